"""A question's answers in the order an interface shows them: the checked extractive answer
at once, then, when a chat model is configured and its reply verifies, the model's answer to
replace it. The first never waits for the model: a follow-up is resolved by rule for it, and
the model's rewrite of the follow-up, when it reads the question differently, is answered in
the refinement. A model that fails, hangs or says nothing verifiable yields nothing more."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace

from rag.answer.conversation import Conversations
from rag.answer.generate import Generator
from rag.answer.router import Router
from rag.errors import TroLyXaError
from rag.models import Answer
from rag.scope import Scope

log = logging.getLogger(__name__)


class Asking:
    def __init__(
        self,
        router: Router,
        generator: Generator | None,
        conversations: Callable[[Scope], Conversations],
        passages: int,  # how many retrieved passages the model reads
    ) -> None:
        self.router = router
        self.generator = generator
        self.conversations = conversations
        self.passages = passages

    def answers(self, question: str, scope: Scope, commune: str | None, conversation: str | None) -> Iterator[Answer]:
        talk = self.conversations(scope)
        previous = talk.previous(question, conversation) if conversation else None
        resolved = talk.by_rule(question, previous) if previous else question
        if conversation:
            talk.remember(conversation, question, resolved)
        answer, hits = self.router.answer(resolved, scope, commune)
        yield _read_as(answer, question, resolved)
        if self.generator is None:
            return
        rewritten = talk.by_model(question, previous) if previous else None
        if rewritten and rewritten != resolved:
            try:
                answer, hits = self.router.answer(rewritten, scope, commune)
            except TroLyXaError as exc:  # the user has the first answer; this reading is dropped
                log.info("model's rewrite not answerable: %s", exc)
                return
            resolved = rewritten
            if conversation:
                talk.revise(conversation, rewritten)
        refined = (
            self.generator.refine(answer.question, hits[: self.passages], answer)
            if hits is not None and answer.found
            else None
        )
        if refined is not None or resolved == rewritten:
            yield _read_as(refined or answer, question, resolved)


def _read_as(answer: Answer, question: str, resolved: str) -> Answer:
    """Say how a follow-up was understood."""
    if resolved == question:
        return answer
    return replace(answer, note=f"Hiểu câu hỏi là: «{resolved}»" + (f" {answer.note}" if answer.note else ""))
