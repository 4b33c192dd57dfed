"""How the command line writes for a person: numbers and dates as Vietnamese write them
("1.173", "55,8%", "16/9/2025", "12/2025"), whole words, wrapped lines; and for a program:
one JSON writer (UTF-8 as it is, ISO dates). Also argparse's own words in Vietnamese."""

from __future__ import annotations

import argparse
import json
import textwrap
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

WIDTH = 100


def write_json(data: Any, *, one_line: bool = False) -> int:
    """The one JSON writer of every --json: Vietnamese as it is (no \\u escapes), dates ISO."""
    print(json.dumps(data, ensure_ascii=False, indent=None if one_line else 2, default=_plain), flush=one_line)
    return 0


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def number(value: float) -> str:
    """1173 -> "1.173"; 55.8 -> "55,8"; 18.695 -> "18,695"."""
    whole = f"{value:,.3f}".rstrip("0").rstrip(".")
    return whole.replace(",", " ").replace(".", ",").replace(" ", ".")


def figure(value: float, total: float | None, unit: str) -> str:
    """ "1.173 đảng viên", "55,8%", "1.309/1.860 đảng viên"."""
    shown = number(value) + (f"/{number(total)}" if total else "")
    return f"{shown}%" if unit == "%" else f"{shown} {unit}".rstrip()


def words_around(text: str, needle: str, before: int = 8, after: int = 10) -> str:
    """The whole words of `text` around `needle` (or its first words), marked "…" where cut."""
    words = text.split()
    at = next((i for i, w in enumerate(words) if needle and needle in w), None)
    if at is None:
        start, end = 0, before + after
    else:
        start, end = max(0, at - before), at + after + 1
    shown = " ".join(words[start:end]).strip(" ,;:")
    return ("… " if start > 0 else "") + shown + (" …" if end < len(words) else "")


def wrap(text: str, indent: str = "    ", width: int = WIDTH) -> str:
    """Whole words on lines of at most `width`, continuation lines indented."""
    return textwrap.fill(text, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


# argparse's own words (usage, headings, errors), looked up through its module-level `_`.
_ARGPARSE = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "expected one argument": "cần một giá trị",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn: %(choices)s)",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn mơ hồ: %(option)s có thể là %(matches)s",
    "not allowed with argument %s": "không dùng chung được với %s",
}


def vietnamese_argparse() -> None:
    """Make argparse speak Vietnamese (call before building the parser)."""
    module: Any = argparse
    original = getattr(module, "_original_gettext", module._)
    module._original_gettext = original
    module._ = lambda text: _ARGPARSE.get(text, original(text))


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=min(WIDTH, 120))
