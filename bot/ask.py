"""Questions: /hoi, plain text in private chats, mentions in groups. The answer is cited, with
a button per source and feedback buttons. It is sent at once; with a chat model, the model's
verified answer replaces it by an edit when ready, and when the model fails or hangs the first
simply stays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction

from bot import buttons, render
from bot.context import BotContext, approved, best_effort, edit_or_send, reply, reply_to
from rag.errors import TroLyXaError
from rag.models import Answer


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

    def answers() -> Iterator[Answer]:
        return context.assistant.ask_stream(
            text,
            scope,
            commune=user.default_commune if user else None,
            conversation=f"tg:{message.chat_id}:{user_id}",  # follow-ups refer to this user's last question here
        )

    docs = {d.id: d for d in await asyncio.to_thread(context.assistant.documents, scope)}
    shown: list[Message] = []
    try:
        async for answer in in_thread(answers):
            answer_id = await asyncio.to_thread(context.access.remember, user_id, text, answer.to_json())
            html, markup = render.answer_html(answer, docs), _markup(answer_id, answer)
            if not shown:
                shown = await reply_to(message, html, markup)
            elif len(shown) == 1 and len(render.split_message(html)) == 1:
                shown = [await edit_or_send(shown[0], html, markup)]
            else:  # a long answer is not edited piece by piece: the refined one follows it
                shown = await reply_to(shown[0], html, markup)
    except TroLyXaError as exc:
        if not shown:  # after the first answer, a failing refinement leaves it standing
            await reply(update, render.escape(str(exc)))


def _markup(answer_id: int, answer: Answer) -> InlineKeyboardMarkup:
    sources = [buttons.source(answer_id, n) for n in sorted({c.n for c in answer.citations})]
    rows = [sources[i : i + 4] for i in range(0, len(sources), 4)]
    rows.append([buttons.feedback(answer_id, 1), buttons.feedback(answer_id, -1)])
    return InlineKeyboardMarkup(rows)


async def in_thread(make: Callable[[], Iterator[Answer]]) -> AsyncIterator[Answer]:
    """The engine's answers, computed in a worker thread, as the event loop receives them."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Answer | BaseException | None] = asyncio.Queue()

    def work() -> None:
        try:
            for item in make():
                loop.call_soon_threadsafe(queue.put_nowait, item)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except BaseException as exc:  # handed to the event loop, raised there
            loop.call_soon_threadsafe(queue.put_nowait, exc)

    worker = asyncio.create_task(asyncio.to_thread(work))
    while (item := await queue.get()) is not None:
        if isinstance(item, BaseException):
            await worker
            raise item
        yield item
    await worker
