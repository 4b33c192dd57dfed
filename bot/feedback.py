"""What users thought of the answers: 👍/👎 counts and the latest 👎 with question, answer
and sources. /phanhoi for admins in the bot; `trolyxa feedback` reads the same `summary`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update

from bot import render
from bot.context import BotContext, admin, reply
from bot.records import Feedback, SentAnswer
from rag.models import cite_section
from rag.references import vietnamese_date

LATEST = 5


def summary(sessions: sessionmaker[Session], latest: int = LATEST) -> dict[str, Any]:
    """{"up", "down", "latest_down": [{"at", "user_id", "question", "answer", "sources"}]}, the
    newest 👎 first; a source is {"n", "title", "commune", "section"} of the answer as sent."""
    with sessions() as session:
        counts = dict(session.execute(select(Feedback.vote, func.count()).group_by(Feedback.vote)).all())
        rows = session.execute(
            select(Feedback, SentAnswer.payload)
            .outerjoin(SentAnswer, SentAnswer.id == Feedback.answer_id)
            .where(Feedback.vote < 0)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(latest)
        ).all()
    down = []
    for row, payload in rows:
        sources: dict[int, dict[str, Any]] = {}
        for c in (payload or {}).get("citations", []):
            sources.setdefault(
                c.get("n"),
                {"n": c.get("n"), "title": c.get("title"), "commune": c.get("commune"), "section": c.get("section")},
            )
        down.append(
            {
                "at": row.created_at.isoformat(timespec="seconds"),
                "user_id": row.user_id,
                "question": row.question,
                "answer": row.answer,
                "sources": list(sources.values()),
            }
        )
    return {"up": counts.get(1, 0), "down": counts.get(-1, 0), "latest_down": down}


def vietnamese_time(iso: str) -> str:
    """ "2026-12-01T08:05:00" -> "8:05 1/12/2026"."""
    moment = datetime.fromisoformat(iso)
    return f"{moment.hour}:{moment.minute:02d} {vietnamese_date(moment.date())}"


def source_line(source: dict[str, Any]) -> str:
    commune = f" (xã {source['commune']})" if source.get("commune") else ""
    return f"[{source['n']}] {source['title']}{commune}, {cite_section(source.get('section') or '')}"


def summary_html(report: dict[str, Any], shorten: int = 600) -> str:
    lines = [f"<b>Góp ý của người dùng</b>: 👍 {report['up']} · 👎 {report['down']}"]
    if not report["latest_down"]:
        lines.append("Chưa có câu trả lời nào bị chê.")
    for item in report["latest_down"]:
        answer = item["answer"] if len(item["answer"]) <= shorten else item["answer"][:shorten].rsplit(" ", 1)[0] + " …"
        lines += [
            "",
            f"👎 <i>{vietnamese_time(item['at'])}, người dùng <code>{item['user_id']}</code></i>",
            f"<b>Hỏi:</b> {render.escape(item['question'])}",
            f"<b>Đáp:</b> {render.escape(answer)}",
        ]
        if item["sources"]:
            lines.append("<b>Nguồn:</b> " + "; ".join(render.escape(source_line(s)) for s in item["sources"]))
    return "\n".join(lines)


@admin
async def feedback_command(update: Update, context: BotContext) -> None:
    """/phanhoi: counts and the latest 👎 (admins)."""
    report = await asyncio.to_thread(summary, context.assistant.sessions)
    await reply(update, summary_html(report))
