"""Look-ups for approved users: greeting and help, a unit's tasks, what a directive says,
the documents one may read, the default commune."""

from __future__ import annotations

import asyncio

from telegram import BotCommand, Update

from bot import render
from bot.context import BotContext, approved, is_admin, reply
from rag.communes import commune_key
from rag.errors import NotFoundError

COMMANDS = [
    ("hoi", "Hỏi về nội dung tài liệu: /hoi <câu hỏi>"),
    ("nhiemvu", "Nhiệm vụ của một đơn vị: /nhiemvu <đơn vị> [xã]"),
    ("vanban", "Văn bản được nhắc đến: /vanban <số hiệu>"),
    ("tailieu", "Danh sách tài liệu"),
    ("xa", "Chọn xã mặc định: /xa <tên xã>"),
    ("nhacviec", "Nhắc việc đến hạn mỗi ngày: /nhacviec [đơn vị] — tắt: /nhacviec tat"),
    ("trogiup", "Hướng dẫn sử dụng"),
]
ADMIN_COMMANDS = [
    ("xoa", "Xóa tài liệu: /xoa <mã tài liệu>"),
    ("duyet", "Duyệt người dùng: /duyet <id> [xã, xã… | tatca]"),
    ("chan", "Chặn người dùng: /chan <id>"),
    ("nguoidung", "Danh sách người dùng"),
    ("phanhoi", "Góp ý 👍/👎 của người dùng và các câu trả lời bị chê gần nhất"),
]
BOT_COMMANDS = [BotCommand(name, text.split(":")[0]) for name, text in COMMANDS]

START = (
    "Xin chào! Tôi là <b>Trợ lý Xã</b>: tôi trả lời câu hỏi về các báo cáo, thông báo, nghị quyết "
    "của Đảng ủy xã và luôn dẫn nguồn (tài liệu, mục, trích dẫn nguyên văn).\n\n"
    "Hãy gõ câu hỏi, ví dụ: <i>Ban Xây dựng Đảng tháng 10 phải làm gì?</i>\nGõ /trogiup để xem các lệnh."
)


@approved()
async def start(update: Update, context: BotContext) -> None:
    """Greet and explain (unknown users file an access request in the guard)."""
    await reply(update, START)


@approved()
async def help_command(update: Update, context: BotContext) -> None:
    """List the commands, the admin ones too for admins."""
    lines = ["<b>Các lệnh của Trợ lý Xã</b>"] + [f"/{name} — {render.escape(text)}" for name, text in COMMANDS]
    if is_admin(update, context):
        lines += ["", "<b>Quản trị</b>", "Gửi tệp .docx, .pdf, .txt, .md để thêm tài liệu."]
        lines += [f"/{name} — {render.escape(text)}" for name, text in ADMIN_COMMANDS]
    lines += ["", "Trong tin nhắn riêng, chỉ cần gõ câu hỏi."]
    await reply(update, "\n".join(lines))


@approved(searches=True)
async def tasks_command(update: Update, context: BotContext) -> None:
    """/nhiemvu <đơn vị> [xã]: a unit's tasks, each cited."""
    words = context.args or []
    if not words:
        await reply(update, "Hãy ghi tên đơn vị, ví dụ: /nhiemvu Ban Xây dựng Đảng Xuân Hưng")
        return
    scope = context.scope(update)
    docs = await asyncio.to_thread(context.assistant.documents, scope)
    known = {commune_key(d.commune): d.commune for d in docs if d.commune}
    commune = None
    for size in (3, 2, 1):  # a commune name at the end of the arguments
        if len(words) > size and commune_key(" ".join(words[-size:])) in known:
            commune, words = known[commune_key(" ".join(words[-size:]))], words[:-size]
            break
    try:
        unit, tasks = await asyncio.to_thread(context.assistant.tasks, " ".join(words), scope, commune=commune)
    except NotFoundError as exc:
        await reply(update, render.escape(str(exc)))
        return
    if not tasks:
        await reply(update, f"Không có nhiệm vụ nào của {render.escape(unit)} trong các tài liệu bạn được xem.")
        return
    await reply(update, render.tasks_html(unit, tasks, {d.id: d for d in docs}))


@approved(searches=True)
async def directive_command(update: Update, context: BotContext) -> None:
    """/vanban <số hiệu>: what the documents say of a directive."""
    code = " ".join(context.args or []).strip()
    if not code:
        await reply(update, "Hãy ghi số hiệu văn bản, ví dụ: /vanban 50-CT/TW")
        return
    scope = context.scope(update)
    try:
        card = await asyncio.to_thread(context.assistant.directive, code, scope)
    except NotFoundError:
        await reply(update, f"Các tài liệu bạn được xem không nhắc đến văn bản «{render.escape(code)}».")
        return
    docs = await asyncio.to_thread(context.assistant.documents, scope)
    await reply(update, render.directive_html(card, {d.id: d for d in docs}))


@approved()
async def documents_command(update: Update, context: BotContext) -> None:
    """/tailieu: the documents this user may read."""
    docs = await asyncio.to_thread(context.assistant.documents, context.scope(update))
    if not docs:
        await reply(update, "Chưa có tài liệu nào bạn được xem.")
        return
    lines = ["<b>Tài liệu</b>"] + [
        f"• {render.escape(d.title)} — xã {render.escape(d.commune or '?')}, {render.escape(d.date or '?')} "
        f"(<code>{d.id[:8]}</code>)"
        for d in docs
    ]
    await reply(update, "\n".join(lines))


@approved()
async def commune_command(update: Update, context: BotContext) -> None:
    """/xa <tên xã>: the commune questions are filtered by; /xa alone clears it."""
    name = " ".join(context.args or []).strip() or None
    user_id = update.effective_user.id  # type: ignore[union-attr]
    if name:
        named = context.assistant.scope_for([name], False).communes or frozenset()
        readable = context.scope(update).communes
        if not named or (readable is not None and not named <= readable):
            await reply(update, f"Bạn chưa được xem tài liệu của xã {render.escape(name)}.")
            return
    await asyncio.to_thread(context.access.set_default_commune, user_id, name)
    await reply(update, f"Đã chọn xã mặc định: <b>{render.escape(name)}</b>." if name else "Đã bỏ chọn xã mặc định.")
