"""Text quality before and after the PDF repair (rag.repair, applied by rag.text.clean).

    python -m bench.textquality [folder] [--show N]

For the real Công Hải documents (default ../shared/realdocs/cong-hai relative to the repo) and
the clean samples in corpus/, before (the raw text, NFC) and after (clean()):

- joined: share of word tokens (runs of two or more letters) holding two or more syllables
  run together. A lower bound: tokens with two or more tone-marked vowels, or a lower-case
  letter followed by a capital ("vụĐảng").
- invalid: share of letter runs (single letters too, so letter spacing counts) that are none of:
  a Vietnamese syllable, an abbreviation (capitals, at most 6 letters), a part of a document
  code or number ("TTr" in "14-TTr/ĐU"). Foreign words count as invalid; the samples show the floor.

The samples must not get worse. Timings: clean() and repair() over the whole folder.
"""

from __future__ import annotations

import argparse
import itertools
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

from rag.repair import repair
from rag.text import cased_key, clean, toned_vowels

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "realdocs" / "cong-hai"
SAMPLES = ROOT / "corpus"

_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_CHUNK_RE = re.compile(r"\S+")


def joined(word: str) -> bool:
    """Two syllables or more run together, as far as the letters alone can prove."""
    return toned_vowels(word) >= 2 or any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))


def valid(word: str, in_code: bool) -> bool:
    """A syllable, an abbreviation, or a letter part of a code or number."""
    return cased_key(word) is not None or (word.isupper() and len(word) <= 6) or in_code


def measure(texts: list[str]) -> dict[str, float]:
    words = [w for text in texts for w in _WORD_RE.findall(text)]
    letters = bad = 0
    for text in texts:
        for chunk in _CHUNK_RE.findall(text):
            # Letters inside a chunk with digits and "-" or "/" belong to a code: "14-TTr/ĐU".
            in_code = any(ch.isdigit() for ch in chunk) and ("-" in chunk or "/" in chunk)
            for word in _LETTERS_RE.findall(chunk):
                letters += 1
                bad += not valid(word, in_code)
    return {
        "tokens": len(words),
        "joined": 100 * sum(map(joined, words)) / max(len(words), 1),
        "runs": letters,
        "invalid": 100 * bad / max(letters, 1),
    }


def worst(texts: list[str], n: int) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The most frequent remaining joined tokens and invalid letter runs, to look at by eye."""
    glued = Counter(w for text in texts for w in _WORD_RE.findall(text) if joined(w))
    invalid: Counter[str] = Counter()
    for text in texts:
        for chunk in _CHUNK_RE.findall(text):
            in_code = any(ch.isdigit() for ch in chunk) and ("-" in chunk or "/" in chunk)
            invalid.update(w for w in _LETTERS_RE.findall(chunk) if not valid(w, in_code))
    return glued.most_common(n), invalid.most_common(n)


def read(folder: Path) -> list[str]:
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md"))
    return [p.read_text(encoding="utf-8") for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--show", type=int, default=0, help="also list the N most frequent remaining errors")
    args = parser.parse_args()
    if not args.folder.is_dir():
        print(f"skipped: no folder {args.folder} (the real documents are not checked out here)")
        return
    rows: list[tuple[str, str, dict[str, float]]] = []
    timings: list[str] = []
    for name, folder in ((args.folder.name, args.folder), ("samples", SAMPLES)):
        raw = read(folder)
        before = [unicodedata.normalize("NFC", t) for t in raw]
        start = time.perf_counter()
        after = [clean(t) for t in raw]
        clean_s = time.perf_counter() - start
        start = time.perf_counter()
        for t in raw:
            repair(t)
        repair_s = time.perf_counter() - start
        chars = sum(map(len, raw))
        timings.append(
            f"{name}: {len(raw)} files, {chars:,} characters: clean() {clean_s:.2f} s "
            f"({chars / clean_s / 1000:,.0f}k chars/s), repair() alone {repair_s:.2f} s"
        )
        rows += [(name, "before", measure(before)), (name, "after", measure(after))]
        if args.show:
            glued, invalid = worst(after, args.show)
            timings.append(f"  {name} after, joined: " + ", ".join(f"{w} ×{n}" for w, n in glued))
            timings.append(f"  {name} after, invalid: " + ", ".join(f"{w} ×{n}" for w, n in invalid))
    print(f"{'corpus':<10} {'text':<7} {'tokens':>8} {'joined %':>9} {'letter runs':>12} {'invalid %':>10}")
    for name, when, m in rows:
        print(f"{name:<10} {when:<7} {m['tokens']:>8,} {m['joined']:>9.2f} {m['runs']:>12,} {m['invalid']:>10.2f}")
    print()
    print("\n".join(timings))


if __name__ == "__main__":
    main()
