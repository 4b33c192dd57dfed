"""Repair of text exported from signed PDFs: syllables run together, letter-spaced words.

PDF export loses or invents spaces: "Ban Thường vụĐảng uỷdựlễ", "Tiếpnhận,giảiquyết25hồ",
"T r ê n c ơ s ở", whole lines of one letter-spaced word each. Vietnamese writes one syllable
per orthographic word, so the repair needs no dictionary: a grammar of the syllable (onset +
rhyme + at most one tone mark) tells which cuts are possible, and the frequencies of the
syllables that stand alone in the same text choose among them (dynamic programming over
log-probabilities, backed off to onset and rhyme frequencies for unseen syllables).

Only spaces and line breaks are inserted or removed, never another character, so `align`
can map every character of the repaired text back to the original (`OffsetMap`).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass

from rag.text import VIETNAMESE_LETTERS, cased_key, is_consonant

# --- Frequencies learnt from the text -----------------------------------------------------
_LETTERS_RE = re.compile(r"[^\W\d_]+")


class Model:
    """Unigram log-probabilities of syllables, counted among the words that stand alone.

    Witten-Bell smoothing: unseen syllables share the mass of new types, spread by their onset
    and rhyme frequencies in the same text, so a plausible unseen syllable ("toán" where "t" and
    "oan" are common) beats an odd one ("ụng").
    """

    def __init__(self, counts: Counter[str]) -> None:
        self.counts, self.total, self.types = counts, sum(counts.values()), len(counts) + 1
        self.parts: Counter[str] = Counter()  # onsets ("th") and rhymes with tone ("ao3") never collide
        for key, n in counts.items():
            self.parts.update(dict.fromkeys(key.split("|"), n))
        self._cache: dict[str, float] = {}

    @classmethod
    def of(cls, text: str) -> Model:
        """Count the syllables written alone, not the letters of letter-spaced words."""
        words = text.split()
        spaced = {i for i in range(1, len(words)) if len(words[i]) == len(words[i - 1]) == 1}
        kept = Counter(w for i, w in enumerate(words) if i not in spaced and i + 1 not in spaced)
        counts: Counter[str] = Counter()
        for word, n in kept.items():  # each distinct word parsed once
            for key in filter(None, map(cased_key, _LETTERS_RE.findall(word))):
                counts[key] += n
        return cls(counts)

    def score(self, key: str) -> float:
        cached = self._cache.get(key)
        if cached is None:
            onset, rhyme = key.split("|")
            n = self.total
            # add-one over the inventories: about 30 onsets, 900 rhymes with their tones
            backoff = (self.parts[onset] + 1) / (n + 30) * (self.parts[rhyme] + 1) / (n + 900)
            cached = math.log((self.counts[key] + self.types * backoff) / (n + self.types))
            self._cache[key] = cached
        return cached


# --- Segmentation -------------------------------------------------------------------------
_LONGEST = 7  # "nghiêng"
_SPLIT = 3.0  # cost of every cut: one valid syllable beats two frequent ones
_ONSETLESS = 2.0  # a consonant between vowels is more often an onset than a coda
_ABBR, _ABBR_CHAR = 9.0, 0.5  # capitals read as an abbreviation: "UBND" in "UBNDxã"
_UNKNOWN, _UNKNOWN_CHAR = 25.0, 2.0  # letter-spaced text only: keep going past a typo
_NEG = -math.inf


def segment(word: str, model: Model, loose: bool = False, abbreviations: bool = True) -> list[str] | None:
    """Best cut of a run of letters into syllables (and abbreviations), or None if there is none."""
    n = len(word)
    best, back = [0.0] + [_NEG] * n, [0] * (n + 1)
    for i in range(n):
        if best[i] == _NEG:
            continue
        base = best[i] - (_SPLIT if i else 0.0)
        for j in range(i + 1, min(n, i + _LONGEST) + 1):
            key = cased_key(word[i:j])
            onsetless = bool(i) and key is not None and key[0] == "|"
            if onsetless and not loose and not model.counts[key] and is_consonant(word[i - 1]) and word[i].islower():
                continue  # "Lênin", "nềnếp": after a coda, a vowel piece never written alone is no evidence
            if key is not None:
                score = base + model.score(key) - (_ONSETLESS if onsetless else 0.0)
            elif loose:
                score = base - _UNKNOWN - _UNKNOWN_CHAR * (j - i)
            else:
                continue
            if score > best[j]:
                best[j], back[j] = score, i
        if abbreviations and word[i].isupper():
            j = i
            while j < n and word[j].isupper():
                j += 1
            for k in range(i + 1, j + 1):
                if k - i == 1 and k < n and word[k].islower():
                    continue  # a capital before lower case opens a word ("Trên"), not an abbreviation
                score = base - _ABBR - _ABBR_CHAR * (k - i)
                if score > best[k]:
                    best[k], back[k] = score, i
    if best[n] == _NEG:
        return None
    cuts = [n]
    while cuts[-1]:
        cuts.append(back[cuts[-1]])
    return [word[a:b] for b, a in itertools.pairwise(cuts)][::-1]


def split_word(word: str, model: Model) -> list[str]:
    """Syllables of a word that PDF export ran together; the word itself when in doubt.

    Never split: one valid syllable, a word without Vietnamese letters (foreign words, codes).
    """
    if len(word) < 2 or cased_key(word) is not None:
        return [word]
    caps = word.isupper()  # in capitals only a Vietnamese vowel proves words: "THÔNGBÁO", not "HĐND"
    if not any(ch in VIETNAMESE_LETTERS and not (caps and ch == "Đ") for ch in word):
        return [word]
    return segment(word, model, abbreviations=not caps) or [word]


# --- Words glued to numbers and punctuation -----------------------------------------------
_ITEM_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\S")


def _vietnamese(pieces: list[str]) -> bool:
    """Syllables with some lower case: a word, not a code part such as "TB" or "A"."""
    return any(ch.islower() for p in pieces for ch in p) and all(cased_key(p) for p in pieces)


def repair_chunk(chunk: str, model: Model) -> str:
    """One whitespace-delimited chunk: split glued syllables, then space numbers and commas."""
    if chunk.isalpha():
        return " ".join(split_word(chunk, model))
    if "@" in chunk or "://" in chunk or chunk.lower().startswith("www."):
        return chunk
    items = _ITEM_RE.findall(chunk)
    code = any(ch.isdigit() for ch in chunk)  # "01-QĐi/ĐU": the parts of a code stay whole
    split = [
        [it]
        if not it[0].isalpha() or (code and not it.islower() and {"/", "-"} & set(items[max(k - 1, 0) : k + 2]))
        else split_word(it, model)
        for k, it in enumerate(items)
    ]
    return "".join(
        (" " if k and _space_before(items, split, k, chunk) else "") + " ".join(split[k]) for k in range(len(items))
    )


def _space_before(items: list[str], split: list[list[str]], k: int, chunk: str) -> bool:
    item, prev = items[k], items[k - 1]
    before = items[k - 2] if k >= 2 else ""
    word, number = item[0].isalpha(), item[0].isdigit()
    if prev[0].isdigit():  # "25hồ"; not "10a", "2025TBKL"
        return word and len(item) >= 2 and _vietnamese(split[k])
    if prev[0].isalpha():  # "kỳ2025"; not "A32.65", "NĐ178"
        return number and _vietnamese(split[k - 1])
    if prev in ",;" and (before[:1].isalpha() or before == ")"):  # ",giải"; "55,8" is one item
        return word or number
    if prev == ":" and before[:1].isalpha():
        return word
    if prev == ")":  # "(cũ)để"
        return word and _vietnamese(split[k])
    if prev == "." and before[:1].isalpha() and chunk.count(".") == 1:  # "xã.Trên"; not "TP.HCM"
        viet = any(ch in VIETNAMESE_LETTERS for ch in before + item)
        return viet and len(before) > 1 and before[-1].islower() and item[0].isupper() and _vietnamese(split[k])
    return False


# --- Letter-spaced text: "T r ê n c ơ s ở" --------------------------------------------------
_CLOSE = set(",;:.!?)]}”’%…")
_OPEN = set("([{“‘")
_BLOCK_RE = re.compile(r"[-+•*]\s|(?:\d{1,2}(?:\.\d{1,2})*\.|\d{1,2}(?:\.\d{1,2})+|[IVX]+\.)(?:\s|$)")
_NUMBER_ONLY_RE = re.compile(r"\d+(?:\.\d+)*\.?|[IVX]+\.")


def _unit(tok: str) -> bool:
    """One character, or short punctuation ("%", ")."), which letter spacing also isolates."""
    return len(tok) == 1 or (1 < len(tok) <= 3 and not any(ch.isalnum() for ch in tok))


def _strength(toks: list[str], k: int, j: int) -> int:
    """Of the run toks[k..j]: 2 surely letter-spaced, 1 maybe (digits or capitals only, one
    character alone on its line), 3 a lone consonant that belongs to a neighbour ("p hối")."""
    run = toks[k : j + 1]
    letters = [c for c in run if c.isalpha()]
    lower = any(c.islower() for c in letters)
    if len(run) >= 3 and len(letters) >= 2 and lower:
        return 2
    if len(run) == 2 and len(letters) == 2 and lower and cased_key("".join(run)):
        return 2
    if len(run) == 1 and is_consonant(run[0]) and not (k and toks[k - 1][-1:].isdigit()):
        return 3  # not after a number: "5 m", "100 đ" are units
    return 1 if len(run) >= 2 or len(toks) == 1 else 0


def _runs(toks: list[str]) -> list[tuple[int, int, int]]:
    """(first, last, strength) of the runs of one-character tokens one space apart."""
    runs, k = [], 0
    while k < len(toks):
        if _unit(toks[k]):
            j = k
            while j + 1 < len(toks) and _unit(toks[j + 1]):
                j += 1
            runs.append((k, j, _strength(toks, k, j)))
            k = j
        k += 1
    return runs


def _fragment(tok: str, edge: str, lone: bool) -> bool:
    """A neighbour of a run that is a piece of its word: "gó" in "gó p ý", "th" in "th a n h"."""
    word = tok.rstrip(",.;:")
    if not word.isalpha() or len(word) > (7 if lone else 4):
        return False
    return lone or cased_key(word) is None or is_consonant(edge)


def respace(text: str, model: Model) -> str:
    """Words, numbers and punctuation of a stretch whose spaces carry no information."""
    units: list[str] = []
    items = _ITEM_RE.findall(text)
    for k, item in enumerate(items):
        if item[0].isalpha():
            units.extend(segment(item, model, loose=True) or [item])
        elif item[0].isdigit() and (item.count(",") > 1 or ("," in item and items[k + 1 : k + 2] == ["/"])):
            units.extend(re.split(r"(,)", item))  # "7,8,9/2025", "8,9/2025": lists of months, not decimals
        else:
            units.append(item)
    out = units[:1]
    for k in range(1, len(units)):
        nxt = units[k + 1] if k + 1 < len(units) else ""
        out.append(units[k] if _glued(units[k - 1], units[k], units[k - 2] if k >= 2 else "", nxt) else " " + units[k])
    return "".join(out)


def _codeish(unit: str) -> bool:
    return unit[:1].isdigit() or (unit.isalpha() and unit.isupper())


def _glued(prev: str, unit: str, before: str, nxt: str) -> bool:
    """Typography: no space before closing marks, after opening ones, around "/" and code hyphens."""
    if unit in _CLOSE or "/" in (prev, unit) or prev in _OPEN:
        return True
    if unit == "-":  # "QĐ-UBND", also "NĐ-" at a line end before "CP"
        return _codeish(prev) and (_codeish(nxt) or not nxt)
    return prev == "-" and _codeish(before) and _codeish(unit)


def _respace_line(toks: list[str], runs: list[tuple[int, int, int]], weak: bool, model: Model) -> tuple[bool, bool]:
    """Rewrite the accepted runs of one line in place; whether its first and last token were in one."""
    starts = ends = False
    for first, last, strength in reversed(runs):
        if strength == 0 or (strength == 1 and not weak):
            continue
        lone = strength == 3
        if first and _fragment(toks[first - 1], toks[first], lone) and toks[first - 1][-1].isalpha():
            first -= 1
        if last + 1 < len(toks) and _fragment(toks[last + 1], toks[last], lone):
            last += 1
        joined = "".join(toks[first : last + 1])
        if lone:
            pieces = segment(joined, model)
            if pieces is None or len(pieces) == last - first + 1:
                continue  # nothing to mend around this letter ("điểm b khoản 2")
            new = " ".join(pieces)
        else:
            new = respace(joined, model)
            starts, ends = starts or first == 0, ends or last == len(toks) - 1
        toks[first : last + 1] = [new]
    return starts, ends


def join_spaced(text: str, model: Model) -> str:
    """Re-join letter-spaced words and re-flow the lines of one such word each."""
    lines = text.split("\n")
    toks = [line.strip(" ").split(" ") for line in lines]  # a double space leaves "": it ends a run
    runs = [_runs(t) for t in toks]
    accepted = [any(s == 2 for _, _, s in r) for r in runs]
    changed = True
    while changed:  # a weak run filling its line ("8 6 0", "U B N D") next to a letter-spaced line
        changed = False
        for i, r in enumerate(runs):
            near = (i and accepted[i - 1]) or (i + 1 < len(runs) and accepted[i + 1])
            if not accepted[i] and near and len(r) == 1 and r[0][:2] == (0, len(toks[i]) - 1) and r[0][2] == 1:
                accepted[i] = changed = True
    out: list[str] = []
    spaced_end = False
    for i, line in enumerate(lines):
        if runs[i]:
            before = toks[i][:]
            starts, ends = _respace_line(toks[i], runs[i], accepted[i], model)
            if toks[i] != before:
                lead = line[: len(line) - len(line.lstrip(" "))]
                line = lead + " ".join(toks[i]) + line[len(line.rstrip(" ")) :]
        else:
            starts = ends = False
        if out and spaced_end and starts and _continues(out[-1], line):
            code = out[-1].endswith("-") and _codeish(out[-1][-2:-1]) and _codeish(re.split(r"\W", line, maxsplit=1)[0])
            out[-1] += ("" if out[-1].endswith("/") or code or line[:1] in _CLOSE else " ") + line
        else:
            out.append(line)
        spaced_end = ends
    return "\n".join(out)


def _continues(prev: str, line: str) -> bool:
    """Whether a letter-spaced line goes on on the next one (not after a sentence, not a bullet)."""
    if _NUMBER_ONLY_RE.fullmatch(prev.rstrip()) or prev.endswith("/"):
        return True  # "4.2.7." on its own line heads the title below it; "1.287/" goes on
    return not prev.rstrip().endswith((".", "!", "?")) and not _BLOCK_RE.match(line)


# --- The whole repair ---------------------------------------------------------------------
_MAX_PASSES = 4


def repair_once(text: str, model: Model | None = None) -> str:
    """One pass over NFC text: letter-spaced words first, then glued syllables."""
    model = model or Model.of(text)
    text = join_spaced(text, model)
    cache: dict[str, str] = {}  # most chunks repeat
    return re.sub(r"\S+", lambda m: cache.get(m[0]) or cache.setdefault(m[0], repair_chunk(m[0], model)), text)


def repair(text: str) -> str:
    """NFC, then repair until nothing changes (the frequencies move as words come apart)."""
    text = unicodedata.normalize("NFC", text)
    for _ in range(_MAX_PASSES):
        fixed = repair_once(text)
        if fixed == text:
            break
        text = fixed
    return text


# --- Offsets back to the original -----------------------------------------------------------
@dataclass(frozen=True)
class OffsetMap:
    """Repaired character i came from original[starts[i]:ends[i]]: one character, a letter and
    its combining marks (NFD), or nothing (starts[i] == ends[i]) for an inserted space."""

    starts: array
    ends: array
    original_length: int


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


def align(original: str, repaired: str) -> OffsetMap:
    """Map `repaired` (the output of repair or of clean) onto `original`. Those steps only add,
    drop or move whitespace and control characters, so visible characters pair up in order."""
    spans: list[tuple[int, int]] = []  # one per visible character of NFC(original)
    i, n = 0, len(original)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1
        if not _invisible(original[i]):
            spans.extend([(i, j)] * len(unicodedata.normalize("NFC", original[i:j])))
        i = j
    starts, ends = array("l"), array("l")
    ptr = k = 0
    for ch in repaired:
        if not _invisible(ch) and k < len(spans):
            (s, ptr), k = spans[k], k + 1
            e = ptr
        elif ch.isspace() and ptr < n and original[ptr].isspace():
            s, e, ptr = ptr, ptr + 1, ptr + 1  # the space or line break it stands for
        else:
            s = e = ptr  # inserted: an empty span
        starts.append(s)
        ends.append(e)
    return OffsetMap(starts, ends, n)


def original_span(offsets: OffsetMap, start: int, end: int) -> tuple[int, int]:
    """(start, end) in the original of the characters behind `repaired[start:end]`."""
    if start >= end:
        at = offsets.starts[start] if start < len(offsets.starts) else offsets.original_length
        return at, at
    return offsets.starts[start], offsets.ends[end - 1]


def repair_with_map(text: str) -> tuple[str, OffsetMap]:
    """The repaired text and where each of its characters came from."""
    fixed = repair(text)
    return fixed, align(text, fixed)
