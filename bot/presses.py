"""Button presses, routed by the pattern of their data (see bot.buttons); every press
re-checks access, and a source or page is shown only when the presser may read it."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update

from bot import buttons, render
from bot.admin import approve_and_tell
from bot.context import ADMIN_ONLY, UNKNOWN_USER, BotContext, best_effort, reply
from bot.records import APPROVED
from rag.models import cite_section

STALE = "Nút này không còn dùng được. Hãy hỏi lại."


async def _presser_approved(update: Update, context: BotContext) -> bool:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    if await asyncio.to_thread(context.access.status, update.effective_user.id) == APPROVED:
        return True
    await best_effort(query.answer(UNKNOWN_USER, show_alert=True), "button answer")
    return False


async def on_approve(update: Update, context: BotContext) -> None:
    """An admin's "Duyệt" under an access request."""
    query = update.callback_query
    assert query is not None and context.matches and update.effective_user is not None
    if not context.access.is_admin(update.effective_user.id):
        await best_effort(query.answer(ADMIN_ONLY, show_alert=True), "button answer")
        return
    await approve_and_tell(context, int(context.matches[0].group(1)), [])
    await best_effort(query.answer("Đã duyệt."), "button answer")


async def on_feedback(update: Update, context: BotContext) -> None:
    """👍 / 👎 under an answer, stored with its question and answer."""
    query = update.callback_query
    assert query is not None and context.matches and update.effective_user is not None
    if not await _presser_approved(update, context):
        return
    answer_id, vote = context.matches[0].groups()
    saved = await asyncio.to_thread(context.access.feedback, int(answer_id), update.effective_user.id, int(vote))
    await best_effort(
        query.answer("Cảm ơn bạn đã góp ý!" if saved else "Không tìm thấy câu trả lời này."), "button answer"
    )


async def on_source(update: Update, context: BotContext) -> None:
    """ "Nguồn n": the cited passage, quote in bold; only for the user who got the answer."""
    query = update.callback_query
    assert query is not None and context.matches and update.effective_user is not None
    if not await _presser_approved(update, context):
        return
    answer_id, n = context.matches[0].groups()
    sent = await asyncio.to_thread(context.access.sent, int(answer_id))
    mine = sent.payload.get("citations", []) if sent and sent.user_id == update.effective_user.id else []
    citation = next((c for c in mine if str(c["n"]) == n), None)
    if citation is None:
        await best_effort(query.answer("Không tìm thấy nguồn này.", show_alert=True), "button answer")
        return
    await show_passage(update, context, citation["passage_id"], citation["quote"])
    await best_effort(query.answer(), "button answer")


async def on_page(update: Update, context: BotContext) -> None:
    """ "◀ trước" / "xem tiếp ▶": the neighbouring passage of a document."""
    query = update.callback_query
    assert query is not None and context.matches
    if not await _presser_approved(update, context):
        return
    await show_passage(update, context, context.matches[0].group(1), "")
    await best_effort(query.answer(), "button answer")


async def on_stale(update: Update, context: BotContext) -> None:
    """Data no pattern knows: an old button or a forged one. An expected input, not a failure."""
    if update.callback_query is not None:
        await best_effort(update.callback_query.answer(STALE, show_alert=True), "button answer")


async def show_passage(update: Update, context: BotContext, passage_id: str, quote: str) -> None:
    """The full passage, quote in bold, with buttons to page through its document."""
    view = await asyncio.to_thread(context.assistant.passage, passage_id, context.scope(update))
    if view is None:
        await reply(update, "Bạn không có quyền xem đoạn này.")
        return
    heading = f"{view.title} — {cite_section(view.section)}"
    row = []
    if view.previous_id:
        row.append(buttons.page(view.previous_id, "◀ trước"))
    if view.next_id:
        row.append(buttons.page(view.next_id, "xem tiếp ▶"))
    await reply(update, render.passage_html(view.text, quote, heading), InlineKeyboardMarkup([row]) if row else None)
