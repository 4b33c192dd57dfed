"""An OpenAI-compatible chat-completions server on loopback with scripted replies, for tests
of the generative path: a real HTTP conversation with LangChain's ChatOpenAI."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import LoopbackServer, QuietHandler


class ScriptedLLM(LoopbackServer):
    """`reply` is what the next completions return: text, or "!500", "!sleep:<s>" (a reply later
    than any timeout the tests set), "!delay:<s>:<text>" (text after s seconds), "!malformed"."""

    def __init__(self) -> None:
        self.reply = ""
        self.queue: list[str] = []  # replies used once each, before `reply`
        self.requests: list[dict[str, Any]] = []
        self.replied: list[int] = []  # indices into `requests` whose reply was sent (or refused)
        super().__init__()

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        llm = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                llm.requests.append(body)
                try:
                    self._answer(body)
                finally:
                    llm.replied.append(len(llm.requests) - 1)

            def _answer(self, body: dict[str, Any]) -> None:
                reply = llm.queue.pop(0) if llm.queue else llm.reply
                if reply == "!500":
                    return self.send_json(500, b'{"error": {"message": "internal error"}}')
                if reply.startswith("!delay:"):
                    _, seconds, reply = reply.split(":", 2)
                    time.sleep(float(seconds))
                elif reply.startswith("!sleep:"):
                    time.sleep(float(reply.split(":", 1)[1]))
                    reply = "Quá muộn [1]."
                if reply == "!malformed":
                    return self.send_json(200, b'{"choices": [ {"message": ')
                if body.get("stream"):
                    return self._stream(reply, body.get("model", "test"))
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "test"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self.send_json(200, json.dumps(payload).encode())

            def _stream(self, reply: str, model: str) -> None:
                """Server-sent events, a few characters a chunk, as OpenAI streams."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [reply[i : i + 7] for i in range(0, len(reply), 7)]
                for i, piece in enumerate([*pieces, None]):
                    delta = {"content": piece} if piece is not None else {}
                    chunk = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {"index": 0, "delta": delta, "finish_reason": None if piece is not None else "stop"}
                        ],
                    }
                    if i == 0:
                        chunk["choices"][0]["delta"]["role"] = "assistant"
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
