"""Admins' commands: uploads ingested with progress, deletion, approvals, blocks, users."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from telegram import Update
from telegram.constants import ChatType

from bot import render
from bot.context import ADMIN_ONLY, BotContext, admin, admitted, edit_or_send, is_admin, reply
from rag.communes import candidates, resolve
from rag.errors import NotFoundError
from rag.ingest.load import SUPPORTED


async def upload(update: Update, context: BotContext) -> None:
    """An admin sends a document: ingest it, showing progress in one edited message."""
    message = update.effective_message
    if message is None or message.document is None or not await admitted(update, context):
        return
    if not is_admin(update, context):
        await reply(update, ADMIN_ONLY + " Hãy gửi tài liệu cho quản trị viên.")
        return
    name = safe_name(message.document.file_name or "tai-lieu")
    if Path(name).suffix.lower() not in SUPPORTED:
        await reply(update, f"Tệp «{render.escape(name)}» chưa được hỗ trợ; hãy gửi .docx, .pdf, .txt hoặc .md.")
        return
    limit = context.assistant.settings.max_file_bytes
    if (message.document.file_size or 0) > limit:
        await reply(update, f"Tệp «{render.escape(name)}» quá lớn (giới hạn {limit // 1_000_000} MB).")
        return
    status = await message.reply_text(f"Đang tải «{name}»…")
    upload_id = await asyncio.to_thread(context.access.upload_started, update.effective_user.id, name)  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        telegram_file = await message.document.get_file()
        await telegram_file.download_to_drive(path)
        status = await edit_or_send(status, f"Đang phân tích và lập chỉ mục «{render.escape(name)}»…")
        report = await asyncio.to_thread(context.assistant.ingest, [path])
    await asyncio.to_thread(context.access.upload_finished, upload_id)
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
    if report.failed or report.notes:
        text += "\n" + "\n".join(reason for _, reason in report.failed + report.notes)
    await edit_or_send(status, render.escape(text))


MAX_NAME = 120  # characters of a stored file name, its extension kept


def safe_name(name: str) -> str:
    """A file name without directories or path tricks ("../../etc/passwd" -> "passwd"),
    shortened to MAX_NAME characters without losing its extension."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", name.replace("\\", "/").split("/")[-1]).strip(". ")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(suffix) <= 5 and stem:
        return stem[: MAX_NAME - len(suffix) - 1].rstrip(". ") + "." + suffix
    return base[:MAX_NAME] or "tai-lieu"


@admin
async def delete_command(update: Update, context: BotContext) -> None:
    """/xoa <mã tài liệu>."""
    code = " ".join(context.args or []).strip()
    try:
        info = await asyncio.to_thread(context.assistant.delete, code)
    except NotFoundError as exc:
        await reply(update, render.escape(str(exc)))
        return
    await reply(update, f"Đã xóa: {render.escape(info.title)}")


async def approve_command(update: Update, context: BotContext) -> None:
    """/duyet <id> [xã, xã… | tatca]: approve a user for communes; in a group: approve the group."""
    chat = update.effective_chat
    args = context.args or []
    if chat is not None and chat.type != ChatType.PRIVATE and not args and is_admin(update, context):
        # Before any guard: the group is not approved yet, so the guard would stay silent.
        await asyncio.to_thread(context.access.approve_chat, chat.id, chat.title or "")
        await reply(update, "Đã cho phép Trợ lý Xã trả lời trong nhóm này.")
        return
    await _approve_user(update, context)


@admin
async def _approve_user(update: Update, context: BotContext) -> None:
    args = context.args or []
    if not args or not args[0].isdigit():
        await reply(update, "Cú pháp: /duyet <id người dùng> [Tên xã, Tên xã… | tatca]")
        return
    user_id = int(args[0])
    rest = " ".join(args[1:]).strip()
    communes = (
        [] if not rest or rest.lower() in {"tatca", "tất cả"} else [c.strip() for c in rest.split(",") if c.strip()]
    )
    known = await asyncio.to_thread(context.assistant.communes, context.scope(update))
    for name in communes:  # a name without diacritics that several communes fold to grants none of them
        if not resolve(name, known) and len(options := candidates(name, known)) > 1:
            await reply(
                update,
                f"«{render.escape(name)}» có thể là: {render.escape(', '.join(options))}. Hãy gõ tên xã có dấu, "
                f"ví dụ: /duyet {user_id} {render.escape(options[0])}",
            )
            return
    await approve_and_tell(context, user_id, communes)
    await reply(update, f"Đã duyệt người dùng {user_id} ({render.escape(', '.join(communes) or 'mọi xã')}).")


async def approve_and_tell(context: BotContext, user_id: int, communes: list[str]) -> None:
    await asyncio.to_thread(context.access.approve, user_id, communes)
    scope = ", ".join(communes) if communes else "mọi xã"
    await context.bot.send_message(
        user_id, f"Bạn đã được duyệt dùng Trợ lý Xã (tài liệu của: {scope}). Hãy gõ câu hỏi!"
    )


@admin
async def block_command(update: Update, context: BotContext) -> None:
    """/chan <id>."""
    args = context.args or []
    if not args or not args[0].isdigit():
        await reply(update, "Cú pháp: /chan <id người dùng>")
        return
    await asyncio.to_thread(context.access.block, int(args[0]))
    await reply(update, f"Đã chặn người dùng {args[0]}.")


@admin
async def users_command(update: Update, context: BotContext) -> None:
    """/nguoidung: every user and what they may read."""
    users = await asyncio.to_thread(context.access.users)
    labels = {"pending": "chờ duyệt", "approved": "đã duyệt", "blocked": "bị chặn"}
    lines = ["<b>Người dùng</b>"] + [
        f"• {render.escape(u.name or '?')} (<code>{u.id}</code>): {labels.get(u.status, u.status)}"
        + (f" — {render.escape(', '.join(u.communes))}" if u.communes else "")
        for u in users
    ]
    await reply(update, "\n".join(lines) if users else "Chưa có người dùng nào.")
