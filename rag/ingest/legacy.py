"""Legacy Vietnamese encodings: text typed with TCVN3 (ABC, ".VnTime" fonts) or VNI fonts
extracts as mojibake ("§¶ng" for "Đảng", "Ñaûng" for "Đảng"). Detect and convert it to
Unicode; never index it silently.
"""

from __future__ import annotations

import re
import unicodedata

# TCVN3 (TCVN 5712:1993, VN3): one byte a letter, in the Latin-1 upper half. Upper-case
# toned vowels share the lower-case codes (the ".VnTimeH" fonts draw them in capitals).
_TCVN3 = {
    "µ": "à",
    "¶": "ả",
    "·": "ã",
    "¸": "á",
    "¹": "ạ",
    "¨": "ă",
    "»": "ằ",
    "¼": "ẳ",
    "½": "ẵ",
    "¾": "ắ",
    "Æ": "ặ",
    "©": "â",
    "Ç": "ầ",
    "È": "ẩ",
    "É": "ẫ",
    "Ê": "ấ",
    "Ë": "ậ",
    "®": "đ",
    "§": "Đ",
    "Ì": "è",
    "Î": "ẻ",
    "Ï": "ẽ",
    "Ð": "é",
    "Ñ": "ẹ",
    "ª": "ê",
    "Ò": "ề",
    "Ó": "ể",
    "Ô": "ễ",
    "Õ": "ế",
    "Ö": "ệ",
    "×": "ì",
    "Ø": "ỉ",
    "Ü": "ĩ",
    "Ý": "í",
    "Þ": "ị",
    "ß": "ò",
    "á": "ỏ",
    "â": "õ",
    "ã": "ó",
    "ä": "ọ",
    "«": "ô",
    "å": "ồ",
    "æ": "ổ",
    "ç": "ỗ",
    "è": "ố",
    "é": "ộ",
    "¬": "ơ",
    "ê": "ờ",
    "ë": "ở",
    "ì": "ỡ",
    "í": "ớ",
    "î": "ợ",
    "ï": "ù",
    "ñ": "ủ",
    "ò": "ũ",
    "ó": "ú",
    "ô": "ụ",
    "\u00ad": "ư",
    "õ": "ừ",
    "ö": "ử",
    "÷": "ữ",
    "ø": "ứ",
    "ù": "ự",
    "ú": "ỳ",
    "û": "ỷ",
    "ü": "ỹ",
    "ý": "ý",
    "þ": "ỵ",
    "¡": "Ă",
    "¢": "Â",
    "£": "Ê",
    "¤": "Ô",
    "¥": "Ơ",
    "¦": "Ư",
}

# VNI: a base letter followed by modifier characters.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE = "\u0302", "\u0306"
_VNI_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_HATS = {  # after a, e, o: circumflex (and, after a, breve), alone or with a tone
    "â": _CIRC,
    "á": _CIRC + _ACUTE,
    "à": _CIRC + _GRAVE,
    "å": _CIRC + _HOOK,
    "ã": _CIRC + _TILDE,
    "ä": _CIRC + _DOT,
}
_VNI_BREVES = {
    "ê": _BREVE,
    "é": _BREVE + _ACUTE,
    "è": _BREVE + _GRAVE,
    "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
_VNI_LETTERS = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị"}
_VOWELS = set("aeiouyAEIOUY")

# Vietnamese letters that exist only in Unicode text, never in either legacy mojibake.
_UNICODE_VIETNAMESE = re.compile(r"[ơưăđƠƯĂĐ\u1ea0-\u1ef9]")


def tcvn3_to_unicode(text: str) -> str:
    return "".join(_TCVN3.get(ch, ch) for ch in text)


def vni_to_unicode(text: str) -> str:
    out: list[str] = []
    for ch in text:
        lower, upper = ch.lower(), ch.isupper()
        previous = out[-1] if out else ""
        base = unicodedata.normalize("NFD", previous)[:1]
        if (
            previous
            and base.lower() in "aeo"
            and lower in _VNI_HATS
            and _CIRC not in unicodedata.normalize("NFD", previous)
        ):
            out[-1] = unicodedata.normalize("NFC", previous + _VNI_HATS[lower])
        elif previous and base.lower() == "a" and lower in _VNI_BREVES:
            out[-1] = unicodedata.normalize("NFC", previous + _VNI_BREVES[lower])
        elif previous and (base in _VOWELS or previous.lower() in "ơư") and lower in _VNI_TONES:
            out[-1] = unicodedata.normalize("NFC", previous + _VNI_TONES[lower])
        elif lower in _VNI_LETTERS:
            letter = _VNI_LETTERS[lower]
            out.append(letter.upper() if upper else letter)
        else:
            out.append(ch)
    return "".join(out)


# Characters that TCVN3 text is full of and Western text hardly uses (µ = à, ¶ = ả, ® = đ …).
_TCVN3_MARKS = set("µ¶·¸¹¨©ª«¬\u00ad®§¡¢£¤¥¦»¼½¾×÷")
_VNI_WORD = re.compile(r"[aeoAEO][âáàåãäÂÁÀÅÃÄ]|[aA][êéèúüëÊÉÈÚÜË]|[aeiouyôöAEIOUYÔÖ][ùøûõïÙØÛÕÏ]|[ñÑ]")
_TONES = set(_ACUTE + _GRAVE + _HOOK + _TILDE + _DOT)


def _plausibility(text: str) -> int:
    """Words with Vietnamese letters and at most one tone mark, minus those with more."""
    score = 0
    for word in re.findall(r"[^\W\d_]+", text):
        if not _UNICODE_VIETNAMESE.search(word):
            continue
        tones = sum(1 for ch in unicodedata.normalize("NFD", word) if ch in _TONES)
        score += 1 if tones <= 1 else -3
    return score


def detect(text: str) -> str:
    """ "unicode", "tcvn3", "vni" or "ascii": which encoding the text was typed in."""
    if _UNICODE_VIETNAMESE.search(text):
        return "unicode"
    words = re.findall(r"[^\W\d_]+", text)
    letters = sum(len(w) for w in words) or 1
    candidates: dict[str, str] = {}
    marks = sum(1 for ch in text if ch in _TCVN3_MARKS)
    if marks >= 3 and marks >= 0.02 * letters:
        candidates["tcvn3"] = tcvn3_to_unicode(text)
    vni_words = sum(1 for w in words if _VNI_WORD.search(w))
    if vni_words >= 3 and vni_words >= 0.1 * len(words):
        candidates["vni"] = vni_to_unicode(text)
    if not candidates:
        return "unicode" if re.search(r"[^\x00-\x7f]", text) else "ascii"
    best = max(candidates, key=lambda kind: _plausibility(candidates[kind]))
    return best if _plausibility(candidates[best]) > 0 else "unicode"


def to_unicode(text: str) -> tuple[str, str | None]:
    """(Unicode text, the legacy encoding it was converted from, or None)."""
    kind = detect(text)
    if kind == "tcvn3":
        return tcvn3_to_unicode(text), "TCVN3"
    if kind == "vni":
        return vni_to_unicode(text), "VNI"
    return text, None
