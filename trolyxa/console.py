"""`trolyxa chat`: the console conversation, with line editing and history (stdlib readline:
arrows, Ctrl+R, history kept in the data dir between sessions)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from rag.errors import TroLyXaError

HISTORY_FILE = "chat_history"
HISTORY_LENGTH = 1000
EXIT_WORDS = {"thoát", "thoat", "exit", "quit"}


@contextlib.contextmanager
def history(data_dir: Path) -> Iterator[None]:
    """Line editing on, the history of earlier sessions loaded, this one's saved at the end."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        yield
        return
    path = data_dir / HISTORY_FILE
    readline.set_history_length(HISTORY_LENGTH)
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            readline.write_history_file(path)
            os.chmod(path, 0o600)  # questions may be sensitive


def remember(question: str) -> None:
    """input() adds to the history only at a terminal; piped questions are kept too."""
    if sys.stdin.isatty():
        return
    with contextlib.suppress(ImportError):
        import readline

        readline.add_history(question)


def converse(data_dir: Path, answer: Callable[[str], Iterator[str]], empty: bool) -> int:
    """Read questions until told to stop; print each answer as it comes (the instant one, then
    a chat model's, when one is configured)."""
    if empty:
        print("Chưa có tài liệu nào. Thêm tài liệu bằng: trolyxa ingest corpus/")
    print("Trợ lý Xã — gõ câu hỏi rồi Enter (↑/↓: câu đã hỏi); gõ «thoát» hoặc Ctrl+D để kết thúc.")
    with history(data_dir):
        while True:
            try:
                question = input("\nBạn hỏi: ").strip()
            except EOFError:
                print()
                return 0
            if question.lower() in EXIT_WORDS:
                return 0
            if not question:
                continue
            remember(question)
            try:
                for shown in answer(question):
                    print(shown, flush=True)
            except TroLyXaError as exc:
                print(str(exc))
