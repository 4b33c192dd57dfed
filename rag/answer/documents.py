"""Questions about the documents themselves ("Thông báo 55-TB/ĐU kết luận gì?", "Ai ký tờ
trình 36-TTr/ĐU?", "văn bản mới nhất", "các thông báo tháng 12"): answered from the document's
metadata (kind, number, date, signer) and its own sentences, cited."""

from __future__ import annotations

import re

from rag.answer.citations import Citations, shown
from rag.models import TITLE_SECTION, Answer, DocumentOpening, RetrievedPassage
from rag.search.retrieve import Hit
from rag.search.understand import Query
from rag.text import sentence_spans

OPENING_SENTENCES = 2
LISTED = 10
_SIGNER_RE = re.compile(r"\b(?:ai ky|nguoi ky|do ai ky|ky boi|ky ten)\b")
# "Thông báo … gửi (cho) những ai / đồng chí nào / cơ quan nào?", "nơi nhận": the document's
# "Nơi nhận" block, which the body never states.
_RECIPIENTS_RE = re.compile(
    r"\b(?:noi nhan|gui (?:den |cho |toi )?(?:ai|nhung ai|dau|nhung dau|nhung noi nao)"
    r"|gui (?:den |cho |toi )?(?:dong chi|co quan|don vi|noi|cap)\b.*\bnao)\b"
)
_NEWEST_RE = re.compile(r"\b(?:moi nhat|gan nhat|gan day nhat)\b")
_LIST_RE = re.compile(r"\b(?:cac|nhung|danh sach)\b")
_MONTH_RE = re.compile(r"^thang (\d{1,2})$")


def wants_document(query: Query) -> bool:
    """Whether the question is about documents as such rather than what they say of a subject."""
    if query.doc_numbers and query.asks_document:
        return True
    if (_SIGNER_RE.search(query.folded) or _asks_recipients(query)) and query.doc_types:
        return True
    if _NEWEST_RE.search(query.folded) and (query.doc_types or re.search(r"\bvan ban\b", query.folded)):
        return True
    return bool(query.doc_types and _LIST_RE.search(query.folded) and not query.asks_tasks and query.periods)


def _asks_recipients(query: Query) -> bool:
    """To whom the document goes, not a unit's duty to send something ("phải gửi báo cáo về …
    trước ngày nào?")."""
    return bool(_RECIPIENTS_RE.search(query.folded)) and not (query.asks_tasks or query.asks_date)


def date_shown(date: str | None) -> str | None:
    """ "2025-09-23" -> "23/09/2025"; "2025-09" -> "09/2025"."""
    if not date:
        return None
    return "/".join(reversed(date.split("-")))


def _heading(citations: Citations, doc: DocumentOpening) -> str:
    """Kind, number, date and title, the title cited from the header lines it was read from."""
    info = doc.info
    number = f" số {info.number}" if info.number else ""
    date = f" ngày {date_shown(info.date)}" if info.date and len(info.date) == 10 else ""
    date = date or (f" tháng {date_shown(info.date)}" if info.date else "")
    commune = f" (xã {info.commune})" if info.commune else ""
    cited = ""
    if (title := doc.title) is not None:
        cited = f" [{_cite(citations, doc, title.id, title.section, title.section_path, title.text, title.text)}]"
    return f"{info.doc_type}{number}{date}{commune}: «{info.title}»{cited}"


def _sent_to(doc: DocumentOpening) -> str:
    if not doc.recipients:
        return "Văn bản không ghi nơi nhận."
    return "Nơi nhận:\n" + "\n".join(f"- {r}" for r in doc.recipients)


def _signed(doc: DocumentOpening) -> str:
    if not doc.signer:
        return "Văn bản không ghi người ký."
    role = f"{doc.signer_role.capitalize()} " if doc.signer_role else ""
    return f"Người ký: {role}{doc.signer}."


def _cite(
    citations: Citations, doc: DocumentOpening, passage_id: str, section: str, path: str, text: str, quote: str
) -> int:
    return citations.add(
        quote,
        passage_id=passage_id,
        document_id=doc.info.id,
        title=doc.info.title,
        commune=doc.info.commune,
        section=section,
        section_path=path,
        text=text,
        ocr=doc.ocr,
    )


def _cite_sentences(
    citations: Citations, doc: DocumentOpening, passage_id: str, section: str, path: str, text: str, n: int
) -> list[str]:
    spans = [s for s in sentence_spans(text) if len(text[s[0] : s[1]].strip()) > 20][:n]
    quotes = [text[a:b] for a, b in spans]
    return [f"{shown(q)} [{_cite(citations, doc, passage_id, section, path, text, q)}]" for q in quotes]


def _body(citations: Citations, doc: DocumentOpening, hits: list[Hit], asked: bool) -> list[str]:
    """What the document says: when the question asks about its content, its passages that
    retrieval ranked best for the question; else its opening."""
    own = [h.row for h in hits if h.row.document_id == doc.info.id and h.row.section_label != TITLE_SECTION]
    own = own[:2] if asked else []
    if own:
        return [
            " ".join(_cite_sentences(citations, doc, r.id, r.section_label, r.section_path, r.text, OPENING_SENTENCES))
            for r in own
        ]
    return [
        " ".join(_cite_sentences(citations, doc, p.id, p.section, p.section_path, p.text, OPENING_SENTENCES))
        for p in doc.passages
    ]


def document_answer(
    query: Query, docs: list[DocumentOpening], hits: list[Hit], passages: list[RetrievedPassage]
) -> Answer | None:
    """The answer from the documents found, or None when none fits the question."""
    if query.periods:
        docs = [d for d in docs if _in_period(d, query.periods)] or []
    if not docs:
        return None
    citations = Citations()
    signer = bool(_SIGNER_RE.search(query.folded))
    recipients = _asks_recipients(query)
    if query.doc_numbers or signer or recipients or _NEWEST_RE.search(query.folded):
        metadata = signer or recipients
        doc = docs[0] if query.doc_numbers or not metadata else _best_titled(docs, hits)
        lines = [_heading(citations, doc) + "."]
        if signer:
            lines.append(_signed(doc))
        if recipients:
            lines.append(_sent_to(doc))
        lines += [p for p in _body(citations, doc, hits, bool(query.doc_numbers) and not metadata) if p]
    else:
        lines = []
        for doc in docs[:LISTED]:
            opening = _cite_sentences(citations, doc, *_first(doc), 1)
            lines.append(f"- {_heading(citations, doc)}" + (f" — {opening[0]}" if opening else ""))
        if len(docs) > LISTED:
            lines.append(f"(và {len(docs) - LISTED} văn bản khác)")
    if not citations.items:
        return None
    return Answer(query.text, "\n".join(lines), False, citations=citations.items, passages=passages)


def _best_titled(docs: list[DocumentOpening], hits: list[Hit]) -> DocumentOpening:
    """The document retrieval ranked first among those of the asked kind."""
    ranked = {h.row.document_id: i for i, h in reversed(list(enumerate(hits)))}
    return min(docs, key=lambda d: ranked.get(d.info.id, len(hits)))


def _first(doc: DocumentOpening) -> tuple[str, str, str, str]:
    p = doc.passages[0] if doc.passages else None
    return (p.id, p.section, p.section_path, p.text) if p else ("", "", "", "")


def _in_period(doc: DocumentOpening, periods: list[str]) -> bool:
    """A document dated in the asked month or year ("tháng 12", "năm 2025")."""
    date = doc.info.date or ""
    for period in periods:
        if (m := _MONTH_RE.match(period)) and date[5:7] == f"{int(m.group(1)):02d}":
            return True
        if (y := re.match(r"^nam (20\d\d)$", period)) and date.startswith(y.group(1)):
            return True
    return False
