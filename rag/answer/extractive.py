"""Extractive answers: the answer is made of source sentences, each with a numbered citation
whose quote is a verbatim substring of its passage. Weak evidence means an abstention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.citations import Citations, retrieved, shown
from rag.models import Answer, RetrievedPassage
from rag.search.lexical import LexicalIndex, terms
from rag.search.retrieve import Hit
from rag.search.understand import Query
from rag.text import fold, sentence_spans
from rag.units import UnitRegistry

ABSTAIN_TEXT = "Các tài liệu hiện có không chứa thông tin để trả lời câu hỏi này."
# Share of the question's informative terms (IDF-weighted) that the best sentence, with its
# headings, must hold.
MIN_COVERAGE = 0.6
# Share of the question's adjacent word pairs it must hold: words scattered over a passage
# ("nhà văn hóa thôn năm 2027") are not evidence.
MIN_PAIR_COVERAGE = 0.2
MIN_PAIR_WEIGHT = 2.0  # pairs of common words ("đơn năm") are no test at all
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 900
MAX_LIST_CHARS = 1600


@dataclass(frozen=True)
class _Sentence:
    hit_rank: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Evidence:
    """What a passage or sentence must hold to answer a question, with IDF weights."""

    words: dict[str, float]  # informative words; a domain phrase ("cựu chiến binh") as one concept
    pairs: dict[str, float]  # adjacent informative words ("an_sinh")

    def word_coverage(self, have: set[str]) -> float:
        total = sum(self.words.values())
        return sum(w for t, w in self.words.items() if t in have) / total if total else 0.0

    def pair_coverage(self, have: set[str]) -> float:
        """Share of the informative word pairs held; 1.0 when the pairs carry little weight."""
        total = sum(self.pairs.values())
        if total < MIN_PAIR_WEIGHT:
            return 1.0
        return sum(w for t, w in self.pairs.items() if t in have) / total


def evidence_for(query: Query, index: LexicalIndex) -> Evidence:
    """The informative terms of a question.

    Question words ("bao nhiêu", "phải làm gì"), function words and the commune named as a
    filter say nothing about the subject and are left out, with or without diacritics. A
    phrase of the domain vocabulary counts once, as its concept, so that a three-syllable
    name ("cựu chiến binh") does not outweigh the one word that matters ("quỹ").
    """
    words: list[str] = []
    pairs: list[str] = []
    previous: tuple[str, str | None] | None = None
    for word, concept in zip(query.words, query.concepts, strict=True):
        if word is None:
            previous = None
            continue
        words.append(concept or word)
        if previous and not (concept and previous[1] == concept) and not (concept and previous[1]):
            pairs.append(f"{previous[0]}_{word}")
        previous = (word, concept)
    words += [t for t in query.terms if t.startswith("#")]
    return Evidence(_weights(index, words), _weights(index, pairs))


def _weights(index: LexicalIndex, wanted: list[str]) -> dict[str, float]:
    """IDF of each term. A pair weighs as its more common word, so that an unseen pair of
    common words ("đơn năm") does not outweigh the subject of the question."""
    top = float(index.idf.max()) if index.size else 1.0

    def idf(term: str) -> float:
        return float(index.idf[index.vocabulary[term]]) if term in index.vocabulary else top

    return {t: min(idf(p) for p in t.split("_")) if "_" in t else idf(t) for t in dict.fromkeys(wanted)}


def build_answer(
    query: Query, hits: list[Hit], index: LexicalIndex, units: UnitRegistry, *, min_coverage: float = MIN_COVERAGE
) -> Answer:
    passages = retrieved(hits)
    evidence = evidence_for(query, index)
    if not hits or not evidence.words:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)

    # Evidence is one sentence under its headings, not words scattered over a passage.
    support = [
        (evidence.word_coverage(have), evidence.pair_coverage(have))
        for hit in hits[:3]
        for start, end in sentence_spans(hit.row.text)
        if (have := set(terms(hit.row.text[start:end])) | hit.row.context_terms)
    ]
    word_cov, pair_cov = max(support, key=lambda c: c[0] + c[1])
    if word_cov < min_coverage or pair_cov < MIN_PAIR_COVERAGE:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)

    chosen = _choose(query, hits[:3], evidence, units)
    if chosen is None:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)
    return _render(query, hits, chosen, passages)


# A person named in full: a Vietnamese family name, then one to three capitalised words.
_FAMILY_NAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Tạ Trương Đinh Lâm Mai Cao Đào "
    "Lương Hà Tô Đoàn Vương Trịnh Kiều Thái Chu Lưu Tăng Lại Quách Mạc Khổng Triệu Tống Nông Lò Phùng Âu "
    "Hứa Giang Khúc Nghiêm Doãn Đàm Thân Cù Diệp Đồng Lục Ninh Quan Tôn Hầu Bạch Lã"
).split()
_UPPER = "A-Z" + "".join(ch for ch in map(chr, range(0xC0, 0x1EFA)) if ch.isupper())
_PERSON_NAME_RE = re.compile(r"\b(?:" + "|".join(_FAMILY_NAMES) + rf")(?:\s+[{_UPPER}][^\W\d_]*){{1,3}}")


def _choose(query: Query, hits: list[Hit], evidence: Evidence, units: UnitRegistry) -> list[_Sentence] | None:
    """The sentences that answer; None when no sentence states what the question asks for."""
    asked_units = set(query.units)
    if not query.wants_number and not query.asks_person:
        whole = _whole_passage(hits, evidence, asked_units if query.asks_tasks else set(), units)
        if whole is not None:
            return whole
    counts = query.counts
    top = hits[0].score or 1.0
    ranked: list[_Sentence] = []
    for rank, hit in enumerate(hits):
        context = hit.row.context_terms
        for start, end in sentence_spans(hit.row.text):
            sentence = hit.row.text[start:end]
            own = set(terms(sentence))
            score = (
                0.45 * min(evidence.word_coverage(own) + 0.5 * evidence.word_coverage(context - own), 1.0)
                + 0.3 * evidence.pair_coverage(own)
                + 0.25 * hit.score / top
            )
            if asked_units and asked_units & set(units.find_all(sentence)):
                score += 0.15
            if counts is not None:
                score += 0.3 if counts.search(fold(sentence)) else -0.3
            if query.asks_person:
                score += 0.3 if _PERSON_NAME_RE.search(sentence) else -0.3
            ranked.append(_Sentence(rank, start, end, score))
    ranked.sort(key=lambda s: s.score, reverse=True)
    best = ranked[0]
    best_text = hits[best.hit_rank].row.text[best.start : best.end]
    if counts is not None and not counts.search(fold(best_text)):
        return None
    if query.asks_person and not _PERSON_NAME_RE.search(best_text):
        return None
    chosen = [best]
    length = best.end - best.start
    for sentence in ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or sentence.score < 0.85 * best.score:
            break
        if length + sentence.end - sentence.start > MAX_ANSWER_CHARS:
            continue
        chosen.append(sentence)
        length += sentence.end - sentence.start
    return sorted(chosen, key=lambda s: (s.hit_rank, s.start))


def _whole_passage(
    hits: list[Hit], evidence: Evidence, asked_units: set[str], units: UnitRegistry
) -> list[_Sentence] | None:
    """Answer with a whole passage when it is the list the question asks for.

    That is the case when the passage belongs to the unit whose tasks are asked for, or when
    its heading path holds nearly all of the question (" nhiệm vụ trọng tâm quý IV").
    """
    for rank, hit in enumerate(hits[:2]):
        heading = hit.row.section_path.split(" › ")[-1]
        if asked_units:
            opener = units.at_start(hit.row.text) or units.at_start(heading)
            if opener and opener.canonical in asked_units:
                return _whole(hit, rank)
        if rank == 0 and "\n" in hit.row.text and evidence.word_coverage(set(hit.row.context_terms)) >= 0.8:
            return _whole(hit, rank)
    return None


def _whole(hit: Hit, rank: int) -> list[_Sentence]:
    spans = sentence_spans(hit.row.text)
    kept = [s for s in spans if s[1] - spans[0][0] <= MAX_LIST_CHARS] or spans[:1]
    return [_Sentence(rank, kept[0][0], kept[-1][1], 1.0)]


def _render(query: Query, hits: list[Hit], chosen: list[_Sentence], passages: list[RetrievedPassage]) -> Answer:
    citations = Citations()
    parts: list[str] = []
    for sentence in chosen:
        row = hits[sentence.hit_rank].row
        quote = row.text[sentence.start : sentence.end]
        parts.append(f"{shown(quote)} [{citations.of_passage(row, quote)}]")
    separator = "\n" if any("\n" in p for p in parts) else " "
    return Answer(query.text, separator.join(parts), False, citations=citations.items, passages=passages)
