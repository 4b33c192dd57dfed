"""Inline buttons: their callback data is made and read here only. A press is routed by the
pattern of its data (`CallbackQueryHandler(pattern=…)`); data matching no pattern (an old or
forged button) is answered politely, not treated as a failure."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton

SOURCE = re.compile(r"^src:(\d{1,12}):(\d{1,3})$")  # answer id, citation number
PAGE = re.compile(r"^pg:([0-9a-f]{16}-\d{4,6})$")  # passage id
FEEDBACK = re.compile(r"^fb:(\d{1,12}):(1|-1)$")  # answer id, vote
APPROVE = re.compile(r"^ap:(\d{1,15})$")  # Telegram user id


def source(answer_id: int, n: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"Nguồn {n}", callback_data=f"src:{answer_id}:{n}")


def page(passage_id: str, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"pg:{passage_id}")


def feedback(answer_id: int, vote: int) -> InlineKeyboardButton:
    return InlineKeyboardButton("👍" if vote > 0 else "👎", callback_data=f"fb:{answer_id}:{vote}")


def approve(user_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton("Duyệt (mọi xã)", callback_data=f"ap:{user_id}")
