"""Extractive answers: the answer is made of source sentences, each with a numbered citation
whose quote is a verbatim substring of its passage. Weak evidence means an abstention.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rag.lexical import STOPWORDS, LexicalIndex, terms
from rag.models import Answer, Citation, Passage
from rag.retrieve import Hit
from rag.text import fold, raw_tokens, sentence_spans
from rag.understand import Query
from rag.units import UnitRegistry

ABSTAIN_TEXT = "Các tài liệu hiện có không chứa thông tin để trả lời câu hỏi này."
# Share of the question's informative terms (IDF-weighted) that the best passage must hold.
MIN_COVERAGE = 0.6
# Share of the question's adjacent word pairs it must hold: words scattered over a passage
# ("nhà văn hóa thôn năm 2027") are not evidence.
MIN_PAIR_COVERAGE = 0.2
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 900
MAX_LIST_CHARS = 1600

# Words that shape a question but say nothing about its subject.
QUESTION_WORDS = frozenset(
    """nói gì nêu cho biết hỏi đâu việc vấn đề thế nào như ra sao những nào gì bao nhiêu mấy xã
    được giao phải làm có không là ai khi nào lúc số lượng tổng hiện nay hiện các của về
    trong tại đã đang sẽ được theo tình hình kết quả nội dung cụ thể chính yêu cầu đề ra""".split()
)
_TASK_WORDS_RE = re.compile(
    r"nhiem vu|phai lam|lam gi|duoc giao|giao nhiem|phuong huong|ke hoach|can lam|trien khai gi|nhiem vu gi"
)


@dataclass(frozen=True)
class _Sentence:
    hit_rank: int
    start: int
    end: int
    score: float


_SKIP_FOLDED = frozenset(fold(w) for w in QUESTION_WORDS | STOPWORDS)


def content_terms(query: Query) -> tuple[list[str], list[str]]:
    """The informative terms of a question: (words, concepts and numbers; adjacent word pairs).

    Question words ("bao nhiêu", "phải làm gì"), function words and the commune named as a
    filter say nothing about the subject and are left out, with or without diacritics.
    """
    commune_words = {w for key in query.communes for w in key.split()}
    kept = [w if w not in _SKIP_FOLDED and w not in commune_words else None for w in raw_tokens(query.text)]
    words = [w for w in kept if w]
    special = [t for t in query.terms if t.startswith(("~", "#"))]
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(kept) if a and b]
    return list(dict.fromkeys(words + special)), list(dict.fromkeys(pairs))


def _weights(index: LexicalIndex, wanted: list[str]) -> dict[str, float]:
    top = float(index.idf.max()) if index.size else 1.0
    return {t: float(index.idf[index.vocabulary[t]]) if t in index.vocabulary else top for t in wanted}


def coverage(weights: dict[str, float], have: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in have) / total if total else 0.0


def build_answer(
    query: Query, hits: list[Hit], index: LexicalIndex, units: UnitRegistry, *, min_coverage: float = MIN_COVERAGE
) -> Answer:
    passages = [
        Passage(
            h.row.id,
            h.row.document_id,
            h.row.title,
            h.row.commune,
            h.row.section_label,
            h.row.section_path,
            h.row.text,
            h.score,
        )
        for h in hits
    ]
    words, pairs = content_terms(query)
    weights = _weights(index, words)
    pair_weights = _weights(index, pairs)
    if not hits or not weights:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)

    def support(hit: Hit) -> tuple[float, float]:
        have = set(terms(hit.row.text)) | hit.row.context_terms
        return coverage(weights, have), coverage(pair_weights, have) if pair_weights else 1.0

    word_cov, pair_cov = max((support(h) for h in hits[:3]), key=lambda c: c[0] + c[1])
    if word_cov < min_coverage or pair_cov < MIN_PAIR_COVERAGE:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)

    chosen = _choose(query, hits[:3], weights, units)
    if query.wants_number:
        counts = _count_pattern(query.folded)

        def states_count(sentence: _Sentence) -> bool:
            return bool(counts.search(fold(hits[sentence.hit_rank].row.text[sentence.start : sentence.end])))

        if not any(states_count(s) for s in chosen):
            numbered = [s for s in _sentences(hits[:5], weights) if states_count(s)]
            if not numbered or numbered[0].score < 0.5:
                return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)
            chosen = [numbered[0]]
    return _render(query, hits, chosen, passages)


_PEOPLE = ("dang vien", "dong chi", "nguoi", "can bo", "hoi vien", "doan vien", "truong hop", "hoc vien")
_MONEY = ("tien", "dong", "ty", "trieu", "nghin")


def _count_pattern(folded_question: str) -> re.Pattern[str]:
    """What a sentence must say to answer "bao nhiêu X": a number right before X.

    "Có bao nhiêu đảng viên từ trần?" accepts "từ trần 12 đồng chí" (people are counted
    as đảng viên, đồng chí, người…); a question with no noun after "bao nhiêu" accepts any number.
    """
    number = r"\d[\d.,/]*%?\s+"
    match = re.search(r"\b(?:bao nhieu|may|so luong|tong so)\s+([a-z]+(?:\s+[a-z]+)?)", folded_question)
    if not match:
        return re.compile(r"\d")
    words = [w for w in match.group(1).split() if w not in _SKIP_FOLDED]
    if not words or words[0] in {"nam", "thang", "ngay", "la"}:
        return re.compile(r"\d")
    noun = " ".join(words)
    options = {noun, words[0]}
    if any(noun.startswith(p) or p.startswith(noun) for p in _PEOPLE):
        options.update(_PEOPLE)
    if words[0] in _MONEY:
        options.update(_MONEY)
    return re.compile(number + "(?:" + "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True)) + r")\b")


def _sentences(hits: list[Hit], weights: dict[str, float]) -> list[_Sentence]:
    top = hits[0].score or 1.0
    out: list[_Sentence] = []
    for rank, hit in enumerate(hits):
        context = hit.row.context_terms
        for start, end in sentence_spans(hit.row.text):
            own = set(terms(hit.row.text[start:end]))
            cov = coverage(weights, own) + 0.5 * coverage(weights, context - own)
            out.append(_Sentence(rank, start, end, 0.7 * min(cov, 1.0) + 0.3 * hit.score / top))
    out.sort(key=lambda s: s.score, reverse=True)
    return out


def _choose(query: Query, hits: list[Hit], weights: dict[str, float], units: UnitRegistry) -> list[_Sentence]:
    # A question about what a unit must do is answered with the unit's whole passage.
    asked_units = set(units.find_all(query.text))
    if asked_units and _TASK_WORDS_RE.search(query.folded):
        for rank, hit in enumerate(hits[:2]):
            heading = hit.row.section_path.split(" › ")[-1]
            opener = units.at_start(hit.row.text) or units.at_start(re.sub(r"^\S+\s", "", heading) if heading else "")
            if opener and opener.canonical in asked_units:
                return _whole(hit, rank)
    ranked = _sentences(hits, weights)
    best = ranked[0]
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


def _whole(hit: Hit, rank: int) -> list[_Sentence]:
    spans = sentence_spans(hit.row.text)
    kept = [s for s in spans if s[1] - spans[0][0] <= MAX_LIST_CHARS] or spans[:1]
    return [_Sentence(rank, kept[0][0], kept[-1][1], 1.0)]


def _render(query: Query, hits: list[Hit], chosen: list[_Sentence], passages: list[Passage]) -> Answer:
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for sentence in chosen:
        hit = hits[sentence.hit_rank]
        if sentence.hit_rank not in numbers:
            numbers[sentence.hit_rank] = len(numbers) + 1
        n = numbers[sentence.hit_rank]
        quote = hit.row.text[sentence.start : sentence.end]
        citations.append(
            Citation(
                n,
                hit.row.document_id,
                hit.row.title,
                hit.row.commune,
                hit.row.section_label,
                hit.row.section_path,
                quote,
                hit.row.text,
                hit.row.id,
            )
        )
        parts.append(f"{quote} [{n}]")
    separator = "\n" if any("\n" in p for p in parts) else " "
    return Answer(query.text, separator.join(parts), False, citations=citations, passages=passages)
