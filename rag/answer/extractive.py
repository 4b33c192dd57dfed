"""Extractive answers: the answer is made of source sentences, each with a numbered citation
whose quote is a verbatim substring of its passage. Weak evidence means an abstention.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rag.answer.citations import Citations, retrieved, shown
from rag.answer.signals import anchored, anchors, exact_kind, latest_date, typed
from rag.models import RELATED, TITLE_SECTION, Answer, RetrievedPassage
from rag.search.corpus import Corpus, IndexedPassage, TermWeights
from rag.search.lexical import terms
from rag.search.retrieve import Hit
from rag.search.understand import Query
from rag.text import fold, sentence_spans
from rag.units import UnitRegistry

ABSTAIN_TEXT = "Các tài liệu hiện có không chứa thông tin để trả lời câu hỏi này."
RELATED_TEXT = "Tài liệu không nêu trực tiếp câu trả lời cho câu hỏi này; đoạn liên quan nhất:"
# Fitted by `python -m rag.evaluation.sweep --samples DIR --real DIR` on the TUNE split (samples'
# main set + the real documents' tune half), grid search in stages: the gate for the best accuracy
# over all tune questions (no setting reached ≤ 5 % unanswerable answered, so the best accuracy
# overall: 0.892 at min_coverage 0.50; type_credit 0.2 answers more unanswerable questions), then
# the anchors' rarity (4.5: 0.892, 13 % unanswerable answered; no anchor by name: 0.887, 22 %),
# then the table (0.5 and 0.6 tie, the lower kept), then the "related" thresholds for the
# agreement of "related" with "the top passage holds the answer": 0.769 at 0.7/0.85, kept,
# though 0.9/0.85 reached 0.808 (one question more): at 0.9 the sample notice's meeting is no
# longer shown as related to "how many delegates attended" (tests/test_answers_general.py).
THRESHOLDS = {
    "min_coverage": 0.5,  # share of the question's IDF-weighted words the best sentence holds
    # Share of the question's adjacent word pairs it must hold: words scattered over a passage
    # ("nhà văn hóa thôn năm 2027") are not evidence.
    "min_pair_coverage": 0.15,
    "type_credit": 0.0,  # coverage credited to a sentence holding an item of the asked kind
    "related_coverage": 0.7,  # share of those words the top passage holds to show it as related
    "related_dense": 0.85,  # cosine of question and top passage to show it as related
    "table_coverage": 0.5,  # share of those words one task of a unit's list holds to answer with the list
    "anchor_idf": 4.5,  # log(1 / share of passages): a capitalised name rarer than this names the subject
}
MIN_PAIR_WEIGHT = 2.0  # pairs of common words ("đơn năm") are no test at all
MAX_SENTENCES = 3
NEWEST_AMONG = 5  # passages searched for a newer statement of a figure
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


def evidence_for(query: Query, weights: TermWeights, *, choosing: bool = False) -> Evidence:
    """The informative terms of a question.

    Question words ("bao nhiêu", "phải làm gì"), function words and the commune named as a
    filter say nothing about the subject and are left out, with or without diacritics. A
    phrase of the domain vocabulary counts once, as its concept, so that a three-syllable
    name ("cựu chiến binh") does not outweigh the one word that matters ("quỹ").
    """
    words: list[str] = []
    pairs: list[str] = []
    previous: tuple[str, str | None] | None = None
    # When `choosing` the sentence: a date the question gives ("Cuộc họp ngày 23/02/2026, … chuẩn
    # bị gì?") says which meeting or report, not what is asked; the answering document must hold
    # it (see `anchors`), but a sentence is no better an answer for stating it ("Thời gian: …").
    dated = _date_tokens(query) if choosing and not query.asks_date else set()
    for word, concept in zip(query.words, query.concepts, strict=True):
        if word is None or word in dated:
            previous = None
            continue
        words.append(concept or word)
        if previous and not (concept and previous[1] == concept) and not (concept and previous[1]):
            pairs.append(f"{previous[0]}_{word}")
        previous = (word, concept)
    words += [t for t in query.terms if t.startswith("#")]
    return Evidence(_weights(weights, words), _weights(weights, pairs))


def _date_tokens(query: Query) -> set[str]:
    """The tokens of the dates and months a question writes ("23/02/2026" and its "23", "02", "2026")."""
    dates = [w for w in query.words if w and re.fullmatch(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}/(?:19|20)\d\d", w)]
    return {part for d in dates for part in (d, *d.split("/"))}


def weights_for(corpus: Corpus, query: Query) -> TermWeights:
    """The IDF of every term the answer layer weighs for this question, read at once."""
    words = [w for w in query.words if w]
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(words)]
    return TermWeights(corpus, [*query.terms, *words, *(c for c in query.concepts if c), *pairs])


def _weights(weights: TermWeights, wanted: list[str]) -> dict[str, float]:
    """IDF of each term. A pair weighs as its more common word, so that an unseen pair of
    common words ("đơn năm") does not outweigh the subject of the question."""
    idf = weights.idf
    return {t: min(idf(p) for p in t.split("_")) if "_" in t else idf(t) for t in dict.fromkeys(wanted)}


def build_answer(
    query: Query,
    hits: list[Hit],
    corpus: Corpus,
    weights: TermWeights,
    units: UnitRegistry,
    *,
    min_coverage: float | None = None,
) -> Answer:
    passages = retrieved(hits)
    # A title says what a document is about, never what a question asks of it.
    hits = [h for h in hits if h.row.section_label != TITLE_SECTION]
    evidence = evidence_for(query, weights)
    if not hits or not evidence.words:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)
    gate = THRESHOLDS["min_coverage"] if min_coverage is None else min_coverage
    every = hits
    if required := anchors(query, weights, THRESHOLDS["anchor_idf"]):
        # Only a document that names what the question names (its dates, ordinals, rare names)
        # can answer it; the others speak of another meeting, term or thing.
        held = corpus.holding({h.row.document_id for h in hits}, {t for anchor in required for t in anchor})
        hits = [h for h in hits if anchored(required, held[h.row.document_id])]
        if not hits:
            return _not_answered(query, every, evidence, passages)

    hits = _with_field(query, hits, corpus)
    hits = _with_typed(query, hits, corpus, evidence_for(query, weights, choosing=True))

    # Evidence is one sentence under its headings, not words scattered over a passage. A
    # sentence holding an item of the asked kind (a date for "ngày nào") needs fewer words.
    support: list[tuple[float, float]] = []
    for hit in hits[:3]:
        for start, end in sentence_spans(hit.row.text):
            sentence = hit.row.text[start:end]
            have = set(terms(sentence)) | hit.row.context_terms
            credit = THRESHOLDS["type_credit"] if typed(query, sentence) else 0.0
            support.append((evidence.word_coverage(have) + credit, evidence.pair_coverage(have)))
    word_cov, pair_cov = max(support, key=lambda c: c[0] + c[1])
    chosen = None
    if word_cov >= gate and pair_cov >= THRESHOLDS["min_pair_coverage"]:
        chosen = _choose(query, hits[:NEWEST_AMONG], evidence_for(query, weights, choosing=True), units)
    if chosen is None:
        return _not_answered(query, every, evidence, passages)
    hits, chosen = _with_list(hits, chosen, corpus)
    return _render(query, hits, chosen, passages)


def _with_list(hits: list[Hit], chosen: list[_Sentence], corpus: Corpus) -> tuple[list[Hit], list[_Sentence]]:
    """The answer with the list its last sentence announces ("… thực hiện tốt một số nhiệm vụ
    trọng tâm sau:"): the rest of its passage, or, when the sentence ends the passage, the next
    passage of the document. The announcement alone says nothing of what is asked."""
    last = chosen[-1]
    hit = hits[last.hit_rank]
    text = hit.row.text
    if not text[last.start : last.end].endswith(":"):
        return hits, chosen
    rest = [s for s in sentence_spans(text) if s[0] >= last.end]
    if rest:
        kept = [s for s in rest if s[1] - last.start <= MAX_LIST_CHARS] or rest[:1]
        return hits, [*chosen[:-1], _Sentence(last.hit_rank, last.start, kept[-1][1], last.score)]
    rows = corpus.document_passages(hit.row.document_id)
    after = next((rows[i + 1] for i, row in enumerate(rows[:-1]) if row.id == hit.row.id), None)
    if after is None:
        return hits, chosen
    listed = [*hits, Hit(after, hit.score, hit.lexical, hit.dense)]
    return listed, [*chosen, *_whole(listed[-1], len(listed) - 1)]


# An invitation or a meeting's programme states its time, place and chair as labelled fields
# ("2. Thời gian: Bắt đầu lúc 08 giờ 30, ngày 28/10/2025", "Địa điểm: Phòng họp Đảng ủy xã").
_PLACE_RE = re.compile(r"\b(?:o dau|tai dau|dia diem|noi nao|cho nao)\b")
# The chair is also marked in the list of attendants: "- Đồng chí … - Bí thư Đảng ủy (chủ trì);".
_FIELD_RE = {
    "thoi gian": re.compile(r"^[\W\d]*(?:[a-z][.)]\s*)?thoi gian\s*:", re.M),
    "dia diem": re.compile(r"^[\W\d]*(?:[a-z][.)]\s*)?dia diem\s*:", re.M),
    "chu tri": re.compile(r"^[\W\d]*(?:[a-z][.)]\s*)?chu tri\s*:|\(chu tri\)", re.M),
}


def _asked_field(query: Query) -> str | None:
    if query.asks_date:
        return "thoi gian"
    if _PLACE_RE.search(query.folded):
        return "dia diem"
    return "chu tri" if query.asks_person and "chu tri" in query.folded else None


def _with_field(query: Query, hits: list[Hit], corpus: Corpus) -> list[Hit]:
    """The hits with, first, the labelled field of a top document that states what is asked
    (its time for "lúc nào", its place for "ở đâu", its chair for "ai chủ trì"), when retrieval
    left it out: such a field holds few of the question's words."""
    field = _asked_field(query)
    if not hits or field is None:
        return hits
    for hit in hits[:3]:
        for row in corpus.document_passages(hit.row.document_id):
            if _FIELD_RE[field].search(row.folded_text):
                if any(h.row.id == row.id for h in hits[:3]):
                    return hits
                return [Hit(row, hit.score, hit.lexical, hit.dense), *hits]
    return hits


def _typed_coverage(query: Query, row: IndexedPassage, evidence: Evidence) -> float:
    """The best share of the question's words held by a sentence of the passage (under its
    headings) that states an item of the asked kind; 0.0 when none does."""
    return max(
        (
            evidence.word_coverage(set(terms(row.text[a:b])) | row.context_terms)
            for a, b in sentence_spans(row.text)
            if typed(query, row.text[a:b])
        ),
        default=0.0,
    )


def _with_typed(query: Query, hits: list[Hit], corpus: Corpus, evidence: Evidence) -> list[Hit]:
    """The hits with, second, the passage of the top document whose sentence states the asked
    kind (a count for "bao nhiêu X", a date, a person) with more of the question's words than any
    such sentence of its top hits, when the question names the kind of that document. A question
    that names its document ("Theo báo cáo tháng 10/2025, xã có bao nhiêu hộ?") shares the
    title's words with every passage of it, so retrieval ranks that document's passages by little
    more than their length."""
    if not hits or typed(query, "") is None or hits[0].row.doc_type not in query.doc_types:
        return hits
    top = hits[0]
    own = [h.row for h in hits[:3] if h.row.document_id == top.row.document_id]
    current = max(_typed_coverage(query, row, evidence) for row in own)
    seen = {row.id for row in own}
    others = [r for r in corpus.document_passages(top.row.document_id) if r.id not in seen]
    if not others:
        return hits
    coverage, found = max(((_typed_coverage(query, r, evidence), r) for r in others), key=lambda c: c[0])
    if coverage <= current:
        return hits
    return [top, Hit(found, top.score, top.lexical, top.dense), *hits[1:]]


def _not_answered(query: Query, hits: list[Hit], evidence: Evidence, passages: list[RetrievedPassage]) -> Answer:
    """`related` with the closest sentence, cited, when retrieval is confident that the top
    passage is about the question; else `not_found`."""
    top = hits[0].row
    confident = evidence.word_coverage(set(terms(top.text)) | top.context_terms) >= THRESHOLDS["related_coverage"]
    if not confident or hits[0].dense < THRESHOLDS["related_dense"]:
        return Answer(query.text, ABSTAIN_TEXT, True, passages=passages)
    # The closest sentence is the one whose own words hold most of the question's.
    _, rank, start, end = max(
        (evidence.word_coverage(own := set(terms(h.row.text[a:b]))) + evidence.pair_coverage(own) - 0.01 * r, r, a, b)
        for r, h in enumerate(hits[:3])
        for a, b in sentence_spans(h.row.text)
    )
    row = hits[rank].row
    quote = row.text[start:end]
    citations = Citations()
    n = citations.of_passage(row, quote)
    text = f"{RELATED_TEXT}\n{shown(quote)} [{n}]"
    return Answer(query.text, text, True, citations=citations.items, passages=passages, status=RELATED)


def _choose(query: Query, hits: list[Hit], evidence: Evidence, units: UnitRegistry) -> list[_Sentence] | None:
    """The sentences that answer; None when no sentence states what the question asks for."""
    asked_units = set(query.units)
    if not query.wants_number and not query.asks_person and not query.asks_date:
        whole = _whole_passage(hits[:3], evidence, asked_units if query.asks_tasks else set(), units)
        if whole is not None:
            return whole
    top = hits[0].score or 1.0
    field = _asked_field(query)
    ranked: list[_Sentence] = []
    for rank, hit in enumerate(hits[:3]):
        context = hit.row.context_terms
        for start, end in sentence_spans(hit.row.text):
            sentence = hit.row.text[start:end]
            own = set(terms(sentence))
            score = (
                0.45 * min(evidence.word_coverage(own) + 0.5 * evidence.word_coverage(context - own), 1.0)
                + 0.3 * evidence.pair_coverage(own)
                + 0.25 * hit.score / top
            )
            named = set(units.find_all(sentence)) if asked_units else set()
            if asked_units & named:
                # A line of one unit ("Đại hội Hội Nông dân xã: Ngày 07/11/2025") says more of it
                # than a sentence listing it among others.
                score += 0.15 - 0.05 * min(len(named - asked_units), 3)
            if field and _FIELD_RE[field].search(fold(sentence)):
                # The labelled field is what "ở đâu" or "ai chủ trì" asks for, though it holds few of
                # the question's words: it leads. For "lúc nào" it is one dated sentence among
                # others (`typed` weighs them), which the top document may state better.
                score += 0.3 if query.asks_date else 1.0
            kind = typed(query, sentence)
            if kind is not None:
                score += 0.3 if kind else -0.3
                score += 0.15 if kind and exact_kind(query, sentence) else 0.0
            ranked.append(_Sentence(rank, start, end, score))
    ranked.sort(key=lambda s: s.score, reverse=True)
    best = ranked[0]
    if typed(query, hits[best.hit_rank].row.text[best.start : best.end]) is False:
        return None
    if query.counts is not None:
        best = _newest(hits, ranked, query, evidence) or best
    chosen = [best]
    length = best.end - best.start
    for sentence in ranked:
        if len(chosen) >= MAX_SENTENCES or sentence.score < 0.85 * ranked[0].score:
            break
        if sentence is best or length + sentence.end - sentence.start > MAX_ANSWER_CHARS:
            continue
        chosen.append(sentence)
        length += sentence.end - sentence.start
    if best is not ranked[0]:  # the newest figure leads
        return [best, *sorted(chosen[1:], key=lambda s: (s.hit_rank, s.start))]
    return sorted(chosen, key=lambda s: (s.hit_rank, s.start))


def _newest(hits: list[Hit], ranked: list[_Sentence], query: Query, evidence: Evidence) -> _Sentence | None:
    """When several dated sentences of the top passages state the asked figure, the newest
    leads: among the sentences that state it and hold the question's words nearly as well as the
    best, the one with the latest date."""
    best = ranked[0]
    best_text = hits[best.hit_rank].row.text[best.start : best.end]
    floor = evidence.word_coverage(set(terms(best_text)) | hits[best.hit_rank].row.context_terms)
    dated: list[tuple[tuple[int, int, int], _Sentence]] = []
    for rank, hit in enumerate(hits[:NEWEST_AMONG]):
        for start, end in sentence_spans(hit.row.text):
            text = hit.row.text[start:end]
            if not (typed(query, text) and (day := latest_date(text))):
                continue
            if evidence.word_coverage(set(terms(text)) | hit.row.context_terms) >= floor - 1e-9:
                dated.append((day, _Sentence(rank, start, end, best.score)))
    if not dated or (latest_date(best_text) or (0, 0, 0)) >= max(dated, key=lambda d: d[0])[0]:
        return None
    return max(dated, key=lambda d: d[0])[1]


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
