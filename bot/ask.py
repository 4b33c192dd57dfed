"""Questions: /hoi, plain text in private chats, mentions in groups. The answer is cited,
with a button per source and feedback buttons; with a chat model it grows in one message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode

from bot import buttons, render
from bot.context import BotContext, approved, best_effort, edit_or_send, reply
from rag.errors import TroLyXaError
from rag.models import Answer

EDIT_INTERVAL = 1.0  # seconds between edits of a growing answer (Telegram's flood limits)


@approved(searches=True)
async def ask(update: Update, context: BotContext) -> None:
    """Answer a question with cited sources."""
    message = update.effective_message
    if message is None:
        return
    text = " ".join(context.args) if context.args is not None else (message.text or "")
    text = text.replace(f"@{context.bot.username}", "").strip() if context.bot.username else text.strip()
    if not text:
        await reply(update, "Hãy gõ câu hỏi sau lệnh, ví dụ: /hoi Chỉ thị 50-CT/TW nói gì?")
        return
    user_id = update.effective_user.id  # type: ignore[union-attr]
    await best_effort(context.bot.send_chat_action(message.chat_id, ChatAction.TYPING), "typing action")
    scope = context.scope(update)
    user = await asyncio.to_thread(context.access.user, user_id)

    def answer_stream() -> Iterator[str | Answer]:
        return context.assistant.ask_stream(
            text,
            scope,
            commune=user.default_commune if user else None,
            conversation=f"tg:{message.chat_id}:{user_id}",  # follow-ups refer to this user's last question here
        )

    try:
        answer, growing = await stream_answer(message, answer_stream)
    except TroLyXaError as exc:
        await reply(update, render.escape(str(exc)))
        return
    docs = {d.id: d for d in await asyncio.to_thread(context.assistant.documents, scope)}
    answer_id = await asyncio.to_thread(context.access.remember, user_id, text, answer.to_json())
    sources = [buttons.source(answer_id, n) for n in sorted({c.n for c in answer.citations})]
    rows = [sources[i : i + 4] for i in range(0, len(sources), 4)]
    rows.append([buttons.feedback(answer_id, 1), buttons.feedback(answer_id, -1)])
    markup = InlineKeyboardMarkup(rows)
    html = render.answer_html(answer, docs)
    if growing is None:
        await reply(update, html, markup)
        return
    first, *rest = render.split_message(html)  # the streamed message becomes the first piece
    await edit_or_send(growing, first, markup)
    for piece in rest:
        await message.reply_text(piece, parse_mode=ParseMode.HTML, disable_web_page_preview=True)


async def stream_answer(
    message: Message, answer_stream: Callable[[], Iterator[str | Answer]]
) -> tuple[Answer, Message | None]:
    """Run the engine in a worker thread; while a chat model writes, grow one message by
    editing it at most once a second. Returns the answer and that message, if any."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | Answer | BaseException] = asyncio.Queue()

    def work() -> None:
        try:
            for item in answer_stream():
                loop.call_soon_threadsafe(queue.put_nowait, item)
        except BaseException as exc:  # handed to the event loop, raised there
            loop.call_soon_threadsafe(queue.put_nowait, exc)

    worker = asyncio.create_task(asyncio.to_thread(work))
    growing: Message | None = None
    last_edit = 0.0
    while True:
        item = await queue.get()
        if isinstance(item, BaseException):
            await worker
            raise item
        if isinstance(item, Answer):
            await worker
            return item, growing
        if time.monotonic() - last_edit < EDIT_INTERVAL:
            continue
        last_edit = time.monotonic()
        text = render.escape(item) + " …"
        if growing is None:
            growing = await message.reply_text(text, parse_mode=ParseMode.HTML)
        else:
            growing = await edit_or_send(growing, text)
