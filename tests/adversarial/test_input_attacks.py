"""Attacks through what a question or a document holds, straight at the engine."""

from __future__ import annotations

import pytest

from rag.assistant import Assistant
from rag.scope import Scope

OPERATOR = Scope.operator()


@pytest.mark.parametrize("invisible", ["\u00ad", "\u200b", "\u200c", "\u2060", "\ufeff", "\u200e"])
def test_invisible_characters_in_a_question_change_nothing(assistant: Assistant, invisible: str) -> None:
    """Red team 11: a soft hyphen (U+00AD) inside a word turned the answer into an abstention."""
    plain = assistant.ask("Hội CCB dư nợ ủy thác bao nhiêu?", OPERATOR)
    marked = assistant.ask(f"Hội CCB dư nợ ủy th{invisible}ác bao nhi{invisible}êu?", OPERATOR)
    assert not plain.abstained and marked.answer == plain.answer


def test_a_no_break_space_is_a_space(assistant: Assistant) -> None:
    plain = assistant.ask("Chỉ thị 51-CT/TW nói gì?", OPERATOR)
    assert assistant.ask("Chỉ\u00a0thị 51-CT/TW nói\u202fgì?", OPERATOR).answer == plain.answer
