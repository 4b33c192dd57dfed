"""Lexical index: BM25 over folded syllables, syllable bigrams, document numbers and domain
concepts, so a question matches with or without diacritics and by abbreviation or synonym.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from rag.search.vocabulary import concepts
from rag.text import doc_number_tokens, fold, word_tokens

K1 = 1.2
B = 0.75

# Function words carry no meaning on their own. They are recognised with their diacritics,
# since folded they collide with content words ("bao nhiêu" / "báo cáo", "có" / "cơ sở").
STOPWORDS = frozenset(
    """và của các là có được cho trong với những một này đã để theo về tại thì mà như đến trên
    khi ra vào bị ở lại cũng còn nên sau trước đó gì nào bao nhiêu ai sao thế không phải làm
    hay hoặc cả mỗi rất những hãy cần""".split()
)


def terms(text: str) -> list[str]:
    """All lexical terms of a text (document side and question side alike)."""
    accented = word_tokens(text)
    words = [fold(w) for w in accented]
    stop = [w in STOPWORDS for w in accented]
    out = [w for w, s in zip(words, stop, strict=True) if not s]
    out += [f"{a}_{b}" for a, b, sa, sb in zip(words, words[1:], stop, stop[1:], strict=False) if not (sa and sb)]
    out += concepts(words)
    out += doc_number_tokens(text)
    return out


@dataclass(frozen=True)
class LexicalHit:
    row: int
    score: float


class LexicalIndex:
    """An immutable BM25 index over rows of term lists. `extended` makes the next one from this
    one, tokenising only the new rows: a province's 100,000 passages are not re-read when one
    document is added."""

    def __init__(self, rows: Iterable[list[str]]) -> None:
        self.vocabulary: dict[str, int] = {}
        self._set_counts(self._count(rows))

    def _count(self, rows: Iterable[list[str]]) -> sparse.csr_matrix:
        # Rows are consumed one at a time into compact arrays: at 100,000 passages the term
        # lists alone would take gigabytes if they were all held at once.
        indptr = array("q", [0])
        indices = array("i")
        data = array("f")
        for row in rows:
            for term, count in Counter(row).items():
                indices.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                data.append(count)
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (
                np.frombuffer(data, dtype=np.float32),
                np.frombuffer(indices, dtype=np.int32),
                np.frombuffer(indptr, dtype=np.int64),
            ),
            shape=(len(indptr) - 1, max(len(self.vocabulary), 1)),
        )

    def _set_counts(self, counts: sparse.spmatrix) -> None:
        self._counts = counts.tocsc()  # term frequencies; queries read the columns of their terms
        n = self.size = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1)).ravel().astype(np.float32)
        avg = float(lengths.mean()) if n else 1.0
        df = np.diff(self._counts.indptr).astype(np.float32)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self._norm = (K1 * (1 - B + B * lengths / max(avg, 1e-6))).astype(np.float32)

    def extended(self, keep: np.ndarray, rows: Iterable[list[str]]) -> LexicalIndex:
        """A new index: the rows of this one selected by `keep` (indices), then `rows`."""
        new = LexicalIndex.__new__(LexicalIndex)
        new.vocabulary = dict(self.vocabulary)
        added = new._count(rows)
        width = max(len(new.vocabulary), 1)
        kept = self._counts[keep]
        kept.resize((kept.shape[0], width))
        added.resize((added.shape[0], width))
        new._set_counts(sparse.vstack([kept.tocsr(), added], format="csr"))
        return new

    def term_ids(self, query_terms: list[str]) -> list[int]:
        return [self.vocabulary[t] for t in dict.fromkeys(query_terms) if t in self.vocabulary]

    def rows_with(self, term: str) -> np.ndarray:
        """The rows that hold `term` (none when the index does not know it)."""
        if term not in self.vocabulary:
            return np.zeros(0, dtype=np.int32)
        col = self.vocabulary[term]
        return self._counts.indices[self._counts.indptr[col] : self._counts.indptr[col + 1]]

    def scores(self, query_terms: list[str]) -> np.ndarray:
        ids = self.term_ids(query_terms)
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        columns = self._counts[:, ids]
        tf, rows = columns.data, columns.indices
        idf = np.repeat(self.idf[ids], np.diff(columns.indptr))
        weights = tf * (K1 + 1) / (tf + self._norm[rows]) * idf
        return np.bincount(rows, weights=weights, minlength=self.size).astype(np.float32)

    def search(self, query_terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[LexicalHit]:
        scores = self.scores(query_terms)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        if not scores.any():
            return []
        k = min(k, int((scores > 0).sum()))
        # Ties rank in the order rows were indexed (PostgreSQL's engine does the same).
        cut = -np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(scores > cut)
        top = np.concatenate([above, np.flatnonzero(scores == cut)[: k - len(above)]])
        top = top[np.lexsort((top, -scores[top]))]
        return [LexicalHit(int(i), float(scores[i])) for i in top]


def context_text(title: str, number: str | None, date: str | None, section_path: str) -> str:
    """What a passage is read under: its document's title, number and date, its heading path.
    The number and the date are written as a question writes them: a question naming a
    document by number ("Báo cáo 19-BC/ĐU nói về việc gì?") or by its month ("Theo báo cáo
    tháng 10/2025, …") finds its passages, though only the header or the file name prints
    them, or the title leaves the month out."""
    return "\n".join(part for part in (title, number, _written(date), section_path) if part)


def _written(date: str | None) -> str | None:
    """ "2025-10-11" -> "11/10/2025 10/2025"; "2025-10" -> "10/2025". Without the word "tháng",
    which would then be in every passage and weigh nothing where a question asks "mỗi tháng"."""
    parts = [int(p) for p in (date or "").split("-") if p.isdigit()]
    if len(parts) == 3:
        return f"{parts[2]}/{parts[1]}/{parts[0]} {parts[1]}/{parts[0]}"
    if len(parts) == 2:
        return f"{parts[1]}/{parts[0]}"
    return None


def context_terms(title: str, number: str | None, date: str | None, section_path: str) -> list[str]:
    return terms(context_text(title, number, date, section_path))


def passage_terms(title: str, number: str | None, date: str | None, section_path: str, text: str) -> list[str]:
    """What retrieval sees of a passage: its own words and those of its context."""
    return terms(f"{context_text(title, number, date, section_path)}\n{text}")
