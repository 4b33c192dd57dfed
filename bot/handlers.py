"""Telegram handlers: one `async def` per command, all talking to the engine facade only.

Engine calls run in worker threads (`asyncio.to_thread`), so the event loop keeps serving
other chats while a question is answered or a document ingested.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import render
from bot.access import APPROVED, BLOCKED, Access
from rag.assistant import Assistant
from rag.errors import NotFoundError, TroLyXaError
from rag.load import SUPPORTED
from rag.models import Answer, DocumentInfo
from rag.parse import commune_key

log = logging.getLogger(__name__)

COMMANDS = [
    ("hoi", "Hỏi về nội dung tài liệu: /hoi <câu hỏi>"),
    ("nhiemvu", "Nhiệm vụ của một đơn vị: /nhiemvu <đơn vị> [xã]"),
    ("vanban", "Văn bản được nhắc đến: /vanban <số hiệu>"),
    ("tailieu", "Danh sách tài liệu"),
    ("xa", "Chọn xã mặc định: /xa <tên xã>"),
    ("trogiup", "Hướng dẫn sử dụng"),
]
ADMIN_COMMANDS = [
    ("xoa", "Xóa tài liệu: /xoa <mã tài liệu>"),
    ("duyet", "Duyệt người dùng: /duyet <id> [xã, xã… | tatca]"),
    ("chan", "Chặn người dùng: /chan <id>"),
    ("nguoidung", "Danh sách người dùng"),
]
BOT_COMMANDS = [BotCommand(name, text.split(":")[0]) for name, text in COMMANDS]

START = (
    "Xin chào! Tôi là <b>Trợ lý Xã</b>: tôi trả lời câu hỏi về các báo cáo, thông báo, nghị quyết "
    "của Đảng ủy xã và luôn dẫn nguồn (tài liệu, mục, trích dẫn nguyên văn).\n\n"
    "Hãy gõ câu hỏi, ví dụ: <i>Ban Xây dựng Đảng tháng 10 phải làm gì?</i>\nGõ /trogiup để xem các lệnh."
)
UNKNOWN_USER = (
    "Xin chào! Bạn chưa được cấp quyền dùng Trợ lý Xã. Yêu cầu của bạn đã được gửi tới quản trị viên; "
    "bạn sẽ nhận được tin nhắn khi được duyệt."
)
BLOCKED_USER = "Tài khoản của bạn đã bị khóa quyền sử dụng Trợ lý Xã. Hãy liên hệ quản trị viên nếu có nhầm lẫn."
ADMIN_ONLY = "Chỉ quản trị viên mới dùng được chức năng này."
SLOW_DOWN = "Bạn hỏi hơi nhanh. Xin chờ một phút rồi hỏi tiếp nhé."
FAILED = "Xin lỗi, đã có lỗi khi xử lý yêu cầu. Quản trị viên đã được báo; bạn hãy thử lại sau ít phút."


@dataclass
class BotState:
    assistant: Assistant
    access: Access
    per_minute: int
    recent: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def over_limit(self, user_id: int) -> bool:
        now = time.monotonic()
        stamps = self.recent[user_id]
        while stamps and now - stamps[0] > 60:
            stamps.popleft()
        if len(stamps) >= self.per_minute:
            return True
        stamps.append(now)
        return False

    def documents(self) -> dict[str, DocumentInfo]:
        return {d.id: d for d in self.assistant.documents()}

    def readable(self, user_id: int) -> set[str]:
        """Ids of the documents a user may read: their communes, and MẬT ones for admins only."""
        allowed = self.access.allowed(user_id)
        permitted = None if allowed is None else {commune_key(c) for c in allowed}
        admin = self.access.is_admin(user_id)
        return {
            d.id
            for d in self.assistant.documents()
            if (permitted is None or commune_key(d.commune) in permitted) and (admin or d.classification is None)
        }


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return context.application.bot_data["state"]


# ---------------------------------------------------------------------------- plumbing


async def best_effort(call: Awaitable[object], what: str) -> None:
    """A call the user can do without (typing action, button acknowledgement): log its failure."""
    try:
        await call
    except TelegramError as exc:
        log.warning("%s failed: %s", what, exc)


async def edit_or_send(status: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Edit a progress message; where editing is refused, send the text as a new message."""
    try:
        edited = await status.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return edited if isinstance(edited, Message) else status
    except TelegramError as exc:
        log.warning("edit failed, sending instead: %s", exc)
        return await status.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def drop_duplicates(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an update that was already handled (redelivered after a restart)."""
    if not await asyncio.to_thread(state(context).access.first_delivery, update.update_id):
        raise ApplicationHandlerStop


async def reply(update: Update, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
    pieces = render.split_message(html)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            piece, parse_mode=ParseMode.HTML, reply_markup=markup if last else None, disable_web_page_preview=True
        )


async def admitted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether this update may be answered; tells unknown users and admins otherwise."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    st = state(context)
    if chat.type != ChatType.PRIVATE and not st.access.chat_approved(chat.id):
        return False
    status = await asyncio.to_thread(st.access.status, user.id)
    if status == APPROVED:
        return True
    if status == BLOCKED:
        await reply(update, BLOCKED_USER)
        return False
    if chat.type == ChatType.PRIVATE:
        await reply(update, UNKNOWN_USER)
        if await asyncio.to_thread(st.access.request, user.id, user.full_name):
            button = InlineKeyboardMarkup([[InlineKeyboardButton("Duyệt (mọi xã)", callback_data=f"ap:{user.id}")]])
            for admin in st.access.admins:
                await context.bot.send_message(
                    admin,
                    f"Người dùng mới xin quyền: {render.escape(user.full_name)} (id <code>{user.id}</code>).\n"
                    f"Duyệt theo xã: /duyet {user.id} Tên xã",
                    parse_mode=ParseMode.HTML,
                    reply_markup=button,
                )
    return False


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return update.effective_user is not None and state(context).access.is_admin(update.effective_user.id)


async def admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether an admin sent this update; everyone else is told the command is for admins."""
    if not await admitted(update, context):
        return False
    if not is_admin(update, context):
        await reply(update, ADMIN_ONLY)
        return False
    return True


# ---------------------------------------------------------------------------- commands


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet and explain, or file an access request."""
    if await admitted(update, context):
        await reply(update, START)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands, the admin ones too for admins."""
    if not await admitted(update, context):
        return
    lines = ["<b>Các lệnh của Trợ lý Xã</b>"] + [f"/{name} — {render.escape(text)}" for name, text in COMMANDS]
    if is_admin(update, context):
        lines += ["", "<b>Quản trị</b>", "Gửi tệp .docx, .pdf, .txt, .md để thêm tài liệu."]
        lines += [f"/{name} — {render.escape(text)}" for name, text in ADMIN_COMMANDS]
    lines += ["", "Trong tin nhắn riêng, chỉ cần gõ câu hỏi."]
    await reply(update, "\n".join(lines))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a question (/hoi or plain text in private chats) with cited sources."""
    message = update.effective_message
    if message is None or not await admitted(update, context):
        return
    text = " ".join(context.args) if context.args is not None else (message.text or "")
    text = text.replace(f"@{context.bot.username}", "").strip() if context.bot.username else text.strip()
    if not text:
        await reply(update, "Hãy gõ câu hỏi sau lệnh, ví dụ: /hoi Chỉ thị 50-CT/TW nói gì?")
        return
    st = state(context)
    user_id = update.effective_user.id  # type: ignore[union-attr]
    if st.over_limit(user_id):
        await reply(update, SLOW_DOWN)
        return
    await best_effort(context.bot.send_chat_action(message.chat_id, ChatAction.TYPING), "typing action")
    user = st.access.user(user_id)
    arguments = (
        text,
        user.default_commune if user else None,
        st.access.allowed(user_id),
        st.access.is_admin(user_id),  # documents marked MẬT are searched for admins only
        f"tg:{message.chat_id}:{user_id}",  # follow-ups refer to this user's last question here
    )
    try:
        answer, growing = await stream_answer(message, st.assistant.ask_stream, arguments)
    except TroLyXaError as exc:
        await reply(update, render.escape(str(exc)))
        return
    docs = await asyncio.to_thread(st.documents)
    answer_id = await asyncio.to_thread(st.access.remember, user_id, text, answer.to_json())
    buttons = [
        InlineKeyboardButton(f"Nguồn {n}", callback_data=f"src:{answer_id}:{n}")
        for n in sorted({c.n for c in answer.citations})
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(
        [
            InlineKeyboardButton("👍", callback_data=f"fb:{answer_id}:1"),
            InlineKeyboardButton("👎", callback_data=f"fb:{answer_id}:-1"),
        ]
    )
    markup = InlineKeyboardMarkup(rows)
    html = render.answer_html(answer, docs)
    if growing is None:
        await reply(update, html, markup)
        return
    first, *rest = render.split_message(html)  # the streamed message becomes the first piece
    await edit_or_send(growing, first, markup)
    for piece in rest:
        await message.reply_text(piece, parse_mode=ParseMode.HTML, disable_web_page_preview=True)


EDIT_INTERVAL = 1.0  # seconds between edits of a growing answer (Telegram's flood limits)


async def stream_answer(
    message: Message, ask_stream: Callable[..., Iterator[str | Answer]], arguments: tuple[object, ...]
) -> tuple[Answer, Message | None]:
    """Run the engine in a worker thread; while a chat model writes, grow one message by
    editing it at most once a second. Returns the answer and that message, if any."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | Answer | BaseException] = asyncio.Queue()

    def work() -> None:
        try:
            for item in ask_stream(*arguments):
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


async def tasks_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/nhiemvu <đơn vị> [xã]: a unit's tasks, each cited."""
    if not await admitted(update, context):
        return
    st = state(context)
    words = context.args or []
    if not words:
        await reply(update, "Hãy ghi tên đơn vị, ví dụ: /nhiemvu Ban Xây dựng Đảng Xuân Hưng")
        return
    known = {commune_key(d.commune): d.commune for d in st.assistant.documents() if d.commune}
    commune = None
    for size in (3, 2, 1):  # a commune name at the end of the arguments
        if len(words) > size and commune_key(" ".join(words[-size:])) in known:
            commune, words = known[commune_key(" ".join(words[-size:]))], words[:-size]
            break
    try:
        unit, tasks = await asyncio.to_thread(st.assistant.tasks, " ".join(words), commune)
    except NotFoundError as exc:
        await reply(update, render.escape(str(exc)))
        return
    readable = await asyncio.to_thread(st.readable, update.effective_user.id)  # type: ignore[union-attr]
    tasks = [t for t in tasks if t.document_id in readable]
    if not tasks:
        await reply(update, f"Không có nhiệm vụ nào của {render.escape(unit)} trong các tài liệu bạn được xem.")
        return
    await reply(update, render.tasks_html(unit, tasks, await asyncio.to_thread(st.documents)))


async def directive_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/vanban <số hiệu>: what the documents say of a directive."""
    if not await admitted(update, context):
        return
    st = state(context)
    code = " ".join(context.args or []).strip()
    if not code:
        await reply(update, "Hãy ghi số hiệu văn bản, ví dụ: /vanban 50-CT/TW")
        return
    try:
        card = await asyncio.to_thread(st.assistant.directive, code)
    except NotFoundError as exc:
        await reply(update, render.escape(str(exc)))
        return
    readable = await asyncio.to_thread(st.readable, update.effective_user.id)  # type: ignore[union-attr]
    card.mentions[:] = [m for m in card.mentions if m.document_id in readable]
    if not card.mentions:
        await reply(update, f"Các tài liệu bạn được xem không nhắc đến văn bản «{render.escape(code)}».")
        return
    await reply(update, render.directive_html(card, await asyncio.to_thread(st.documents)))


async def documents_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tailieu: the documents this user may read."""
    if not await admitted(update, context):
        return
    st = state(context)
    readable = await asyncio.to_thread(st.readable, update.effective_user.id)  # type: ignore[union-attr]
    docs = [d for d in st.assistant.documents() if d.id in readable]
    if not docs:
        await reply(update, "Chưa có tài liệu nào bạn được xem.")
        return
    lines = ["<b>Tài liệu</b>"] + [
        f"• {render.escape(d.title)} — xã {render.escape(d.commune or '?')}, {render.escape(d.date or '?')} "
        f"(<code>{d.id[:8]}</code>)"
        for d in docs
    ]
    await reply(update, "\n".join(lines))


async def commune_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/xa <tên xã>: the commune questions are filtered by; /xa alone clears it."""
    if not await admitted(update, context):
        return
    st = state(context)
    name = " ".join(context.args or []).strip() or None
    user_id = update.effective_user.id  # type: ignore[union-attr]
    allowed = st.access.allowed(user_id)
    if name and allowed is not None and commune_key(name) not in {commune_key(c) for c in allowed}:
        await reply(update, f"Bạn chưa được xem tài liệu của xã {render.escape(name)}.")
        return
    await asyncio.to_thread(st.access.set_default_commune, user_id, name)
    await reply(update, f"Đã chọn xã mặc định: <b>{render.escape(name)}</b>." if name else "Đã bỏ chọn xã mặc định.")


# ---------------------------------------------------------------------------- admin


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin sends a document: ingest it, showing progress in one edited message."""
    message = update.effective_message
    if message is None or message.document is None or not await admitted(update, context):
        return
    if not is_admin(update, context):
        await reply(update, ADMIN_ONLY + " Hãy gửi tài liệu cho quản trị viên.")
        return
    st = state(context)
    name = safe_name(message.document.file_name or "tai-lieu")
    if Path(name).suffix.lower() not in SUPPORTED:
        await reply(update, f"Tệp «{render.escape(name)}» chưa được hỗ trợ; hãy gửi .docx, .pdf, .txt hoặc .md.")
        return
    limit = st.assistant.settings.max_file_bytes
    if (message.document.file_size or 0) > limit:
        await reply(update, f"Tệp «{render.escape(name)}» quá lớn (giới hạn {limit // 1_000_000} MB).")
        return
    status = await message.reply_text(f"Đang tải «{name}»…")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        telegram_file = await message.document.get_file()
        await telegram_file.download_to_drive(path)
        status = await edit_or_send(status, f"Đang phân tích và lập chỉ mục «{render.escape(name)}»…")
        report = await asyncio.to_thread(st.assistant.ingest, [path])
    verdict = (
        "đã thêm mới"
        if report.added
        else "đã thay thế bản cũ"
        if report.replaced
        else "không đổi (đã có)"
        if report.unchanged
        else "không thêm được"
    )
    text = f"«{name}»: {verdict}."
    if report.failed:
        text += "\n" + "\n".join(reason for _, reason in report.failed)
    await edit_or_send(status, render.escape(text))


def safe_name(name: str) -> str:
    """A file name without directories or path tricks ("../../etc/passwd" -> "passwd")."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", name.replace("\\", "/").split("/")[-1]).strip(". ")
    return base[:120] or "tai-lieu"


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/xoa <mã tài liệu> (admins)."""
    if not await admin_only(update, context):
        return
    code = " ".join(context.args or []).strip()
    try:
        info = await asyncio.to_thread(state(context).assistant.delete, code)
    except NotFoundError as exc:
        await reply(update, render.escape(str(exc)))
        return
    await reply(update, f"Đã xóa: {render.escape(info.title)}")


async def approve_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/duyet <id> [xã, xã… | tatca]: approve a user for communes; in a group: approve the group."""
    st = state(context)
    chat = update.effective_chat
    args = context.args or []
    if chat is not None and chat.type != ChatType.PRIVATE and not args and is_admin(update, context):
        st.access.approve_chat(chat.id, chat.title or "")  # before any check: the group is not approved yet
        await reply(update, "Đã cho phép Trợ lý Xã trả lời trong nhóm này.")
        return
    if not await admin_only(update, context):
        return
    if not args or not args[0].isdigit():
        await reply(update, "Cú pháp: /duyet <id người dùng> [Tên xã, Tên xã… | tatca]")
        return
    user_id = int(args[0])
    rest = " ".join(args[1:]).strip()
    communes = (
        [] if not rest or rest.lower() in {"tatca", "tất cả"} else [c.strip() for c in rest.split(",") if c.strip()]
    )
    await approve_and_tell(context, user_id, communes)
    await reply(update, f"Đã duyệt người dùng {user_id} ({render.escape(', '.join(communes) or 'mọi xã')}).")


async def approve_and_tell(context: ContextTypes.DEFAULT_TYPE, user_id: int, communes: list[str]) -> None:
    await asyncio.to_thread(state(context).access.approve, user_id, communes)
    scope = ", ".join(communes) if communes else "mọi xã"
    await context.bot.send_message(
        user_id, f"Bạn đã được duyệt dùng Trợ lý Xã (tài liệu của: {scope}). Hãy gõ câu hỏi!"
    )


async def block_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chan <id> (admins)."""
    if not await admin_only(update, context):
        return
    args = context.args or []
    if not args or not args[0].isdigit():
        await reply(update, "Cú pháp: /chan <id người dùng>")
        return
    await asyncio.to_thread(state(context).access.block, int(args[0]))
    await reply(update, f"Đã chặn người dùng {args[0]}.")


async def users_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/nguoidung (admins): every user and what they may read."""
    if not await admin_only(update, context):
        return
    users = await asyncio.to_thread(state(context).access.users)
    labels = {"pending": "chờ duyệt", "approved": "đã duyệt", "blocked": "bị chặn"}
    lines = ["<b>Người dùng</b>"] + [
        f"• {render.escape(u.name or '?')} (<code>{u.id}</code>): {labels.get(u.status, u.status)}"
        + (f" — {render.escape(', '.join(u.communes))}" if u.communes else "")
        for u in users
    ]
    await reply(update, "\n".join(lines) if users else "Chưa có người dùng nào.")


# ---------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Source, paging, feedback and approval buttons; every one re-checks access."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    st = state(context)
    user_id = update.effective_user.id
    kind, _, rest = query.data.partition(":")
    if kind == "ap":
        if not st.access.is_admin(user_id):
            await best_effort(query.answer(ADMIN_ONLY, show_alert=True), "button answer")
            return
        await approve_and_tell(context, int(rest), [])
        await best_effort(query.answer("Đã duyệt."), "button answer")
        return
    if st.access.status(user_id) != APPROVED:
        await best_effort(query.answer(UNKNOWN_USER, show_alert=True), "button answer")
        return
    if kind == "fb":
        answer_id, vote = rest.split(":")
        saved = await asyncio.to_thread(st.access.feedback, int(answer_id), user_id, 1 if vote == "1" else -1)
        await best_effort(
            query.answer("Cảm ơn bạn đã góp ý!" if saved else "Không tìm thấy câu trả lời này."), "button answer"
        )
        return
    if kind == "src":
        answer_id, n = rest.split(":")
        sent = st.access.sent(int(answer_id))
        citation = next(
            (
                c
                for c in (sent.payload.get("citations", []) if sent and sent.user_id == user_id else [])
                if str(c["n"]) == n
            ),
            None,
        )
        if citation is None:
            await best_effort(query.answer("Không tìm thấy nguồn này.", show_alert=True), "button answer")
            return
        await show_passage(update, context, citation["passage_id"], citation["quote"])
        await best_effort(query.answer(), "button answer")
        return
    if kind == "pg":
        await show_passage(update, context, rest, "")
        await best_effort(query.answer(), "button answer")


async def show_passage(update: Update, context: ContextTypes.DEFAULT_TYPE, passage_id: str, quote: str) -> None:
    """The full passage, quote in bold, with buttons to page through its document."""
    st = state(context)
    user_id = update.effective_user.id  # type: ignore[union-attr]
    view = await asyncio.to_thread(st.assistant.passage, passage_id)
    if view is None or view.document_id not in await asyncio.to_thread(st.readable, user_id):
        await update.effective_message.reply_text("Bạn không có quyền xem đoạn này.")  # type: ignore[union-attr]
        return
    assert view is not None
    heading = f"{view.title} — {render.cite_section(view.section)}"
    buttons = []
    if view.previous_id:
        buttons.append(InlineKeyboardButton("◀ trước", callback_data=f"pg:{view.previous_id}"))
    if view.next_id:
        buttons.append(InlineKeyboardButton("xem tiếp ▶", callback_data=f"pg:{view.next_id}"))
    await reply(
        update, render.passage_html(view.text, quote, heading), InlineKeyboardMarkup([buttons]) if buttons else None
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the trace, tell the user something went wrong, and tell the admins."""
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, FAILED)
        except Exception:
            log.warning("could not tell the user about the failure")
    for admin in state(context).access.admins:
        try:
            await context.bot.send_message(admin, f"Lỗi khi xử lý một cập nhật: {type(context.error).__name__}")
        except Exception:
            log.warning("could not notify admin %s", admin)
