"""A small Telegram Bot API server for end-to-end tests, on loopback.

The bot under test talks to it with python-telegram-bot's own HTTP client, exactly as to
api.telegram.org: long-polls `getUpdates`, sends and edits messages, downloads files. The
emulator queues the updates a test makes users send, keeps what the bot sends, and rejects,
like Telegram, HTML it cannot parse and messages over 4096 characters.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.loopback import LoopbackServer, QuietHandler

BOT_ID = 777000
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "a",
    "tg-spoiler",
    "blockquote",
    "span",
}


class _StrictHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'unexpected end tag "{tag}"'

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.error = f"unsupported entity &{name};"


def html_error(text: str) -> str | None:
    """Why Telegram would refuse this text with parse_mode HTML, or None."""
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text) or re.search(r"<(?![a-zA-Z/])", text):
        return "can't parse entities: unescaped character"
    parser = _StrictHTML()
    parser.feed(text)
    parser.close()
    if parser.error:
        return f"can't parse entities: {parser.error}"
    if parser.stack:
        return f'can\'t parse entities: unclosed tag "{parser.stack[-1]}"'
    return None


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    edits: list[str] = field(default_factory=list)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


class Emulator(LoopbackServer):
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.lock = threading.Condition()
        self.updates: list[dict[str, Any]] = []
        self.next_update = 1
        self.next_message = 1000
        self.sent: list[Sent] = []
        self.errors: list[str] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: list[Any] = []
        self.actions: list[tuple[int, str]] = []
        self.files: dict[str, bytes] = {}
        self.webhook: tuple[str, str | None] | None = None  # (url, secret token) from setWebhook
        super().__init__()

    # --------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"{self.origin}/bot"

    # --------------------------------------------------------------- what users do

    def _push(self, update: dict[str, Any]) -> int:
        with self.lock:
            update["update_id"] = self.next_update
            self.next_update += 1
            self.updates.append(update)
            self.lock.notify_all()
            return update["update_id"]

    def redeliver(self, update_id: int, update: dict[str, Any]) -> None:
        with self.lock:
            self.updates.append({**update, "update_id": update_id})
            self.lock.notify_all()

    def _message(self, user_id: int, chat_id: int | None = None, chat_type: str = "private") -> dict[str, Any]:
        with self.lock:
            self.next_message += 1
            message_id = self.next_message
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {
                "id": chat_id or user_id,
                "type": chat_type,
                **({"title": "Nhóm"} if chat_type != "private" else {}),
            },
            "from": {"id": user_id, "is_bot": False, "first_name": f"Cán bộ {user_id}"},
        }

    def send_text(
        self, user_id: int, text: str, chat_id: int | None = None, chat_type: str = "private"
    ) -> dict[str, Any]:
        message = self._message(user_id, chat_id, chat_type)
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        elif text.startswith("@"):
            message["entities"] = [{"type": "mention", "offset": 0, "length": len(text.split()[0])}]
        update = {"message": message}
        self._push(update)
        return update

    def send_document(self, user_id: int, name: str, data: bytes) -> None:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        message = self._message(user_id)
        message["document"] = {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "file_size": len(data)}
        self._push({"message": message})

    def press(self, user_id: int, sent: Sent, data: str) -> None:
        message = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý Xã"},
            "text": sent.text,
        }
        self._push(
            {
                "callback_query": {
                    "id": str(time.time_ns()),
                    "from": {"id": user_id, "is_bot": False, "first_name": "x"},
                    "message": message,
                    "chat_instance": "1",
                    "data": data,
                }
            }
        )

    # --------------------------------------------------------------- what the bot did

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def wait(self, condition: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("the bot did not do what was expected in time")
                self.lock.wait(min(remaining, 0.2))

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 60.0) -> list[Sent]:
        self.wait(lambda: len([s for s in self.sent if s.chat_id == chat_id]) >= count, timeout)
        return self.messages_to(chat_id)

    # --------------------------------------------------------------- the HTTP side

    def handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(QuietHandler):
            # Keep-alive, as Telegram's servers: with HTTP/1.0 each reply closes its connection,
            # and a client reusing one at that instant reads a reset that Telegram never sends.
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # file downloads
                path = unquote(urlparse(self.path).path)
                prefix = f"/file/bot{emulator.token}/"
                data = emulator.files.get(path.removeprefix(prefix)) if path.startswith(prefix) else None
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                prefix = f"/bot{emulator.token}/"
                if not path.startswith(prefix):
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                params: dict[str, Any] = {}
                for key, values in parse_qs(raw).items():
                    try:
                        params[key] = json.loads(values[0])
                    except json.JSONDecodeError:
                        params[key] = values[0]
                status, body = emulator.call(path.removeprefix(prefix), params)
                self._reply(status, body)

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                self.send_json(status, json.dumps(body).encode())

        return Handler

    def _bot_message(self, chat_id: int, text: str) -> dict[str, Any]:
        return {
            "message_id": self.next_message,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý Xã", "username": "troly_xa_bot"},
            "text": text,
        }

    def call(self, method: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ok: Callable[[Any], tuple[int, dict[str, Any]]] = lambda result: (200, {"ok": True, "result": result})  # noqa: E731
        if method == "getMe":
            return ok(
                {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Trợ lý Xã",
                    "username": "troly_xa_bot",
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                }
            )
        if method == "setWebhook":
            with self.lock:
                self.webhook = (str(p["url"]), p.get("secret_token"))
            return ok(True)
        if method == "deleteWebhook":
            return ok(True)
        if method == "setMyCommands":
            self.commands = p.get("commands", [])
            return ok(True)
        if method == "getUpdates":
            offset = int(p.get("offset") or 0)
            deadline = time.monotonic() + min(float(p.get("timeout") or 0), 1.0)
            with self.lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                while not self.updates and time.monotonic() < deadline:
                    self.lock.wait(0.05)
                return ok(list(self.updates))
        if method in {"sendMessage", "editMessageText"}:
            text = str(p.get("text", ""))
            problem = html_error(text) if p.get("parse_mode") == "HTML" else None
            if len(text) > 4096:
                problem = "message is too long"
            if problem:
                with self.lock:
                    self.errors.append(problem)
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
            with self.lock:
                if method == "sendMessage":
                    self.next_message += 1
                    sent = Sent(int(p["chat_id"]), self.next_message, text, p.get("parse_mode"), p.get("reply_markup"))
                    self.sent.append(sent)
                else:
                    sent = next(s for s in self.sent if s.message_id == int(p["message_id"]))
                    sent.edits.append(text)
                    sent.text = text
                    sent.reply_markup = p.get("reply_markup") or sent.reply_markup
                self.lock.notify_all()
                return ok(self._bot_message(sent.chat_id, text) | {"message_id": sent.message_id})
        if method == "sendChatAction":
            with self.lock:
                self.actions.append((int(p["chat_id"]), str(p["action"])))
            return ok(True)
        if method == "answerCallbackQuery":
            with self.lock:
                self.callback_answers.append(p)
                self.lock.notify_all()
            return ok(True)
        if method == "getFile":
            file_id = str(p["file_id"])
            return ok(
                {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "file_size": len(self.files[file_id]),
                    "file_path": file_id,
                }
            )
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: method {method} not emulated"}
