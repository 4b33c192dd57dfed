"""Vietnamese text layer, applied identically to documents at ingest and to questions.

- `clean` turns extracted text into the canonical form every offset refers to:
  NFC, one tone-mark style, no stray control characters, syllables that PDF export ran
  together split and letter-spaced words re-joined (`rag.repair`), hard-wrapped lines re-flowed.
- `fold` strips diacritics for matching typed-without-accents questions.
- `tokens` produces the lexical terms (folded syllables, document numbers, numbers).
- `parse_number` reads Vietnamese numerals ("1.173", "55,8", "18,695").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.repair import OffsetMap

# Old-style tone placement ("ủy", "hòa", "khóa") is the more common one in the seeds; the
# new style ("uỷ", "hoà", "khoá") moves the mark to the second vowel of an open syllable.
_NEW_TO_OLD_TONE = {}
for _pair, _marks in (("oa", "àáảãạ"), ("oe", "èéẻẽẹ"), ("uy", "ỳýỷỹỵ")):
    _first = _pair[0]
    for _mark in _marks:
        _tone = unicodedata.normalize("NFD", _mark)[1:]
        _moved = unicodedata.normalize("NFC", _first + _tone) + unicodedata.normalize("NFD", _mark)[0]
        for _case in (str.lower, str.upper, str.capitalize):
            _NEW_TO_OLD_TONE[_case(_first + _mark)] = _case(_moved)
_TONE_RE = re.compile(
    "(?<![qQ])(" + "|".join(sorted(map(re.escape, _NEW_TO_OLD_TONE), key=len, reverse=True)) + r")(?![^\W\d_])"
)

# Control characters and invisible ones (soft hyphen, zero-width and joiners, direction marks
# and embeddings, BOM): they change no word a reader sees, and would split or hide the words
# that search and quotes compare.
_CONTROL_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")


def normalize(text: str) -> str:
    """NFC, one tone-mark style, no control characters; keeps line structure."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TONE_RE.sub(lambda m: _NEW_TO_OLD_TONE[m.group(1)], text)


# The combining diacritical marks (U+0300-U+036F, every one a nonspacing mark) hold every
# Vietnamese tone and vowel mark once decomposed; other nonspacing marks are looked up one by
# one, among the few characters left outside ASCII.
_COMBINING_RE = re.compile("[\u0300-\u036f]+")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def _unless_mark(match: re.Match[str]) -> str:
    return "" if unicodedata.category(match.group()) == "Mn" else match.group()


def fold(text: str) -> str:
    """Lower-case and strip diacritics (every nonspacing mark): "Đảng ủy" -> "dang uy"."""
    text = _COMBINING_RE.sub("", unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d")))
    return text if text.isascii() else _NON_ASCII_RE.sub(_unless_mark, text)


# ---------------------------------------------------------------------------
# The syllable: what PDF repair (rag.repair) cuts text into

# Tone marks are the combining characters of NFD; circumflex, breve and horn are not tones:
# they make distinct vowel letters ("â", "ơ") and stay part of the rhyme.
_TONES = {"\u0301": 1, "\u0300": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_ONSETS = ("ngh", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "ch", *"bcdđghklmnprstvx", "")
_PLAIN_RHYMES = frozenset(
    """a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et ê êch êm ên ênh êp êt êu i ia ich im in inh ip it iu
    iêc iêm iên iêng iêp iêt iêu y yêm yên yêng yêt yêu o oc oi om on ong op ot ooc oong
    ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt u ua uc ui um un ung up ut uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu""".split()
)
# Rhymes opened by the glide written "o" or "u" ("hoa", "tuyên"); "qu" already holds the glide.
_GLIDE_RHYMES = frozenset(
    ["o" + r for r in "a ac ach ai am an ang anh ao ap at ay ăc ăm ăn ăng ăt e en eo et".split()]
    + ["u" + r for r in "ân âng ât ây ê êch ênh y ych ynh yt yu ya yên yêt ơ".split()]
)
_CHECKED = ("c", "ch", "p", "t")  # stop codas: only the sắc and nặng tones are possible
_FRONT = "ieêy"  # spelling: k, gh, ngh before these letters; c, g, ng elsewhere
_VOWELS = "aăâeêioôơuưy"
TONED = frozenset(unicodedata.normalize("NFC", v + t) for v in _VOWELS + _VOWELS.upper() for t in _TONES)
VIETNAMESE_LETTERS = TONED | frozenset("ăâêôơưđĂÂÊÔƠƯĐ")  # letters English and codes never use


def _rhyme_ok(onset: str, rhyme: str) -> bool:
    if rhyme in _GLIDE_RHYMES:
        return onset not in ("c", "k", "qu", "gi", "gh", "ngh")
    if rhyme not in _PLAIN_RHYMES:
        return False
    front = rhyme[0] in _FRONT
    if onset in ("k", "gh", "ngh"):
        return front
    if onset in ("c", "ng") or (onset == "g" and rhyme[0] != "i"):
        return not front
    if onset == "qu":
        return rhyme[0] not in "uưo"
    if onset == "gi":
        return rhyme[0] not in "iy"
    if rhyme.startswith("iê"):
        return bool(onset)
    return not rhyme.startswith("yê") or not onset


@lru_cache(maxsize=1 << 16)
def syllable_key(word: str) -> str | None:
    """ "onset|rhyme+tone" of a lower-case Vietnamese syllable ("th|ao3"), None if it is none.

    The key ignores where the tone mark sits, so "hoà" and "hòa" count as one syllable.
    """
    tone, base = 0, []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONES:
            if tone:
                return None
            tone = _TONES[ch]
        else:
            base.append(ch)
    text = unicodedata.normalize("NFC", "".join(base))
    for onset in _ONSETS:
        rhyme = text[len(onset) :]
        if text.startswith(onset) and rhyme and _rhyme_ok(onset, rhyme):
            if rhyme.endswith(_CHECKED) and tone not in (1, 5):
                return None
            return f"{onset}|{rhyme}{tone}"
    return None


def cased_key(piece: str) -> str | None:
    """The syllable key of a word written lower-case, Capitalised or in capitals."""
    if piece.islower() or piece.isupper() or (piece[:1].isupper() and piece[1:].islower()):
        return syllable_key(piece.lower())
    return None


def toned_vowels(word: str) -> int:
    """How many vowels carry a tone mark: two or more means two or more syllables."""
    return sum(ch in TONED for ch in word)


def is_consonant(ch: str) -> bool:
    """A lower-case letter that cannot be a syllable's vowel ("t", "đ")."""
    return ch.isalpha() and ch.islower() and unicodedata.normalize("NFD", ch)[0] not in _VOWELS


# ---------------------------------------------------------------------------
# Re-flow of hard-wrapped lines

HEADING_RE = re.compile(
    r"""^\s*(?:\#{1,6}\s*)?(?:\*\*)?\s*(
        PHẦN\s+THỨ\s+\S+
      | [A-ZĐ]\s*\.(?=\s)
      | [IVXLC]+\s*\.(?=\s)
      | \d{1,2}(?:\s*\.\s*\d{1,2}){0,3}\s*\.(?=\s)
      | \d{1,2}(?:\.\d{1,2}){1,3}(?=\s)
    )""",
    re.VERBOSE,
)
BULLET_RE = re.compile(r"^\s*(?:[-–+•*]|\d+\))\s+")
_TERMINAL = tuple('.!?:;”"»)')


def _starts_block(line: str) -> bool:
    return bool(HEADING_RE.match(line) or BULLET_RE.match(line) or line.lstrip().startswith(("#", "|")))


def reflow(text: str) -> str:
    """Join lines that a word processor or PDF broke in the middle of a sentence.

    A line is continued by the next non-blank line when it does not end a sentence and the
    next line does not open a heading or bullet, and either the next line starts in lower
    case or the document is hard-wrapped (lines of about the same length, sentences broken
    across them) and this line is one of the long ones.
    """
    lines = [line.rstrip() for line in text.split("\n")]
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if not lengths:
        return "\n".join(lines).strip("\n")
    median = lengths[len(lengths) // 2]
    # A hard wrap breaks sentences: at least one line in ten goes on in lower case on the next.
    # Re-flowed text has no such line left, so cleaning it again never joins more.
    physical = [line.strip() for line in lines if line.strip()]
    broken = sum(1 for prev, line in itertools.pairwise(physical) if line[0].islower() and _joinable(prev, line))
    wrapped = (
        30 <= median <= 110 and sum(1 for n in lengths if n > 160) <= len(lengths) * 0.1 and broken >= len(lengths) / 10
    )
    out: list[str] = []
    last_len = 0  # length of the last physical line, not of the paragraph it joined
    pending_blank = False
    for raw in lines:
        line = raw.strip()
        if not line:
            pending_blank = True
            continue
        if out:
            prev = out[-1]
            joinable = _joinable(prev, line)
            long_prev = wrapped and last_len >= 0.6 * median
            if joinable and (line[0].islower() or long_prev):
                out[-1] = prev + " " + line
                last_len = len(line)
                pending_blank = False
                continue
            if pending_blank:
                out.append("")
        out.append(line)
        last_len = len(line)
        pending_blank = False
    return "\n".join(out)


def _joinable(prev: str, line: str) -> bool:
    """Nothing forbids continuing `prev` with `line`: no sentence end, heading, bullet, title or rule."""
    return not prev.endswith(_TERMINAL) and not _starts_block(line) and not _is_title_line(prev) and not _is_rule(line)


def _is_rule(line: str) -> bool:
    return not any(ch.isalnum() for ch in line)


def _is_title_line(line: str) -> bool:
    """Upper-case header lines ("THÔNG BÁO", "T/M BAN THƯỜNG VỤ") and separators stand alone."""
    letters = [ch for ch in line if ch.isalpha()]
    return _is_rule(line) or line.startswith("#") or (bool(letters) and all(ch.isupper() for ch in letters))


_MAX_PASSES = 6


def clean(text: str) -> str:
    """The canonical document text every offset and quote refers to.

    NFC comes first so that the repair and every offset see precomposed letters; the tone
    style is normalised after the repair too, because "uỷUBND" only becomes a word ("uỷ")
    once split. The steps repeat until nothing changes (the repair learns its frequencies
    from the text, re-flowing makes new neighbours), so that clean(clean(x)) == clean(x).
    """
    from rag.repair import repair_once  # imported here: rag.repair builds on this module

    text = normalize(text)
    for _ in range(_MAX_PASSES):
        fixed = normalize(repair_once(text))
        fixed = reflow("\n".join(_SPACES_RE.sub(" ", line) for line in fixed.split("\n")))
        if fixed == text:
            break
        text = fixed
    return text


def clean_with_map(text: str) -> tuple[str, OffsetMap]:
    """`clean(text)` and, for each of its characters, where it came from in `text`."""
    from rag.repair import align

    cleaned = clean(text)
    return cleaned, align(text, cleaned)


# ---------------------------------------------------------------------------
# Tokens

DOC_NUMBER_RE = re.compile(
    r"(?<![\w/])(\d{1,5})\s*[-–]\s*([A-ZĐa-zđ]{1,6})\s*/\s*([A-ZĐa-zđ]{1,10}(?:\s*-\s*[A-ZĐa-zđ]{1,10})?)(?![\w])"
)
_TOKEN_RE = re.compile(r"\d+(?:[.,/]\d+)*|[^\W\d_]+", re.UNICODE)


def doc_number(number: str, kind: str, issuer: str) -> str:
    """Canonical document number: "50-CT/TW"."""
    issuer = re.sub(r"\s+", "", issuer)
    return f"{int(number)}-{kind.upper()}/{issuer.upper()}"


def _unpadded(part: str) -> str:
    """ "02" -> "2": a day, month or small count is written with or without its zero ("ngày
    02/12/2025", "02 hồ sơ"); a code ("0017") keeps its digits."""
    return (part.lstrip("0") or "0") if len(part) == 2 and part.isdigit() else part


def _number_token(raw: str) -> list[str]:
    if "/" in raw:  # parts first, so "tháng 10/2025" yields the pair "tháng 10"
        parts = [_unpadded(part.replace(".", "")) for part in raw.split("/") if part]
        return [*parts, "/".join(_unpadded(part) for part in raw.split("/"))]
    if "." in raw and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        return [raw.replace(".", "")]
    return [_unpadded(raw)]


def word_tokens(text: str) -> list[str]:
    """Lower-case words (diacritics kept) and normalised numbers, in order."""
    out: list[str] = []
    for match in _TOKEN_RE.finditer(normalize(text).lower()):
        tok = match.group(0)
        if tok[0].isdigit():
            out.extend(_number_token(tok))
        else:
            out.append(tok)
    return out


def raw_tokens(text: str) -> list[str]:
    """Folded words and normalised numbers, in order."""
    return [fold(word) for word in word_tokens(text)]


def doc_number_tokens(text: str) -> list[str]:
    """Compound tokens for document numbers, so "50-CT/TW" matches as a whole."""
    return ["#" + fold(doc_number(*m.groups())) for m in DOC_NUMBER_RE.finditer(text)]


# ---------------------------------------------------------------------------
# Numbers

_NUMBER_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


def parse_number(text: str) -> float | None:
    """Vietnamese numeral to a value: "." groups thousands, "," is the decimal mark."""
    match = _NUMBER_RE.fullmatch(text.strip())
    if not match:
        return None
    number = float(text.strip().replace(".", "").replace(",", "."))
    return int(number) if number.is_integer() and "," not in text else number


def parse_fraction(text: str) -> tuple[float, float] | None:
    """ "1.309/1.860" -> (1309, 1860)."""
    parts = text.split("/")
    a, b = (parse_number(parts[0]), parse_number(parts[1])) if len(parts) == 2 else (None, None)
    return None if a is None or b is None else (a, b)


def find_numbers(text: str) -> list[str]:
    """Numerals in a text, as written ("1.173", "55,8", "16/9/2025")."""
    return re.findall(r"\d+(?:[.,/]\d+)*", text)


# ---------------------------------------------------------------------------
# Sentences

_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"”»)]*\s+(?=[\"“«(\-–•]?\s*[A-ZĐÀ-Ỹ0-9])|\n+")
_LONG_SENTENCE = 320


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text[start:end]`, whitespace trimmed; very long
    ones cut further at semicolons, the way these reports list clauses."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END_RE.finditer(text, start, end):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, end))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        for c, d in _split_long(text, a, b):
            while c < d and text[c].isspace():
                c += 1
            while d > c and text[d - 1].isspace():
                d -= 1
            if d > c:
                out.append((c, d))
    return out


# A semicolon opening the next item of an inline enumeration: "…; (5) …", "…; b) …", "…; - …".
_ITEM_CUT_RE = re.compile(r";\s+(?=\(?\d{1,2}[).]\s|\(?[a-zđ]\)\s|[-+•–]\s)")


def _split_long(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut at the semicolons opening an item when there are some (one item's parts, "(2) …; thôn
    Đông …; … theo Tờ trình số 12-TTr/BDV", stay one quote), then, where still long, at any semicolon."""
    if b - a <= _LONG_SENTENCE:
        return [(a, b)]
    items = _cut(text, a, b, _ITEM_CUT_RE)
    if len(items) > 1:
        return [piece for c, d in items for piece in _split_long(text, c, d)]
    return _cut(text, a, b, re.compile(r";\s+"))


def _cut(text: str, a: int, b: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    pos = a
    for match in separator.finditer(text, a, b):
        cut = match.start() + 1
        if cut - pos >= 80:
            pieces.append((pos, cut))
            pos = match.end()
    pieces.append((pos, b))
    return pieces
