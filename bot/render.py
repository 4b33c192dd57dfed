"""Telegram HTML for the engine's answers: everything from documents is escaped; sources are
cited the way officials cite them; long messages are split at paragraph boundaries."""

from __future__ import annotations

import re
from html import escape

from rag.models import Answer, Citation, DirectiveCard, DocumentInfo, TaskView
from rag.references import official_reference, vietnamese_date

LIMIT = 4096


def _sources(citations: list[Citation], docs: dict[str, DocumentInfo]) -> list[str]:
    lines: list[str] = []
    seen: set[int] = set()
    for c in citations:
        if c.n in seen:
            continue
        seen.add(c.n)
        reference = official_reference(docs.get(c.document_id), c.title, c.section)
        commune = f" (xã {c.commune})" if c.commune else ""
        scan = " — bản quét, chữ nhận dạng tự động" if c.ocr else ""
        lines.append(f"[{c.n}] {escape(reference)}{escape(commune)}{scan}")
    return lines


def answer_html(answer: Answer, docs: dict[str, DocumentInfo]) -> str:
    body = escape(answer.answer)
    if answer.abstained and not answer.citations:  # not_found; "related" shows its sources
        return f"<i>{body}</i>"
    lines = [body, "", "<b>Nguồn:</b>", *_sources(answer.citations, docs)]
    if answer.note:
        lines.append(f"<i>{escape(answer.note)}</i>")
    return "\n".join(lines)


def tasks_html(unit: str, tasks: list[TaskView], docs: dict[str, DocumentInfo]) -> str:
    lines: list[str] = []
    group: tuple[str | None, str | None] | None = None
    for task in tasks:
        if (task.commune, task.period) != group:
            group = (task.commune, task.period)
            where = f" — xã {task.commune}" if task.commune else ""
            lines += ["", f"<b>{escape(unit)} — {escape(task.period or 'không ghi kỳ')}{escape(where)}</b>"]
        role = f" <i>({escape(task.role)})</i>" if task.role else ""
        deadline = f" <i>— hạn: {escape(task.deadline)}</i>" if task.deadline else ""
        reference = official_reference(docs.get(task.document_id), task.title, task.section)
        lines.append(f"• {escape(task.text)}{role}{deadline}\n  <i>{escape(reference)}</i>")
    return "\n".join(lines).strip()


def directive_html(card: DirectiveCard, docs: dict[str, DocumentInfo]) -> str:
    head = f"<b>{escape(card.kind)} số {escape(card.code)}</b>"
    if card.date:
        head += f", ngày {escape(vietnamese_date(card.date))}"
    if card.issuer:
        head += f" của {escape(card.issuer)}"
    lines = [head]
    if card.subject:
        lines.append(f"Về: {escape(card.subject)}")
    lines += ["", f"<b>Được nhắc {len(card.mentions)} lần:</b>"]
    for m in card.mentions:
        reference = official_reference(docs.get(m.document_id), m.title, m.section)
        lines.append(f"• «{escape(m.quote)}»\n  <i>{escape(reference)}</i>")
    return "\n".join(lines)


def passage_html(text: str, quote: str, heading: str) -> str:
    """A passage with the cited quote in bold."""
    at = text.find(quote) if quote else -1
    if at < 0:
        body = escape(text)
    else:
        body = escape(text[:at]) + "<b>" + escape(quote) + "</b>" + escape(text[at + len(quote) :])
    return f"<i>{escape(heading)}</i>\n\n{body}"


def split_message(html: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraph, then line boundaries. Tags never
    span a line here, so every piece stays valid HTML."""
    if len(html) <= limit:
        return [html]
    pieces: list[str] = []
    current = ""
    for block in html.split("\n"):
        if len(block) > limit:  # one enormous line: drop its formatting, cut at spaces
            block = re.sub(r"<[^>]+>", "", block)
        while len(block) > limit:
            cut = block.rfind(" ", 0, limit)
            if cut <= 0:  # no space: cut hard, but never inside an entity such as "&amp;"
                amp = block.rfind("&", limit - 8, limit)
                cut = amp if amp > 0 and ";" not in block[amp:limit] else limit
            pieces.append(block[:cut])
            block = block[cut:].lstrip()
        candidate = f"{current}\n{block}" if current else block
        if len(candidate) > limit:
            pieces.append(current)
            current = block
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]
