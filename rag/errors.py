"""One error hierarchy; every message is Vietnamese, user-facing and says what to do.

Interfaces (CLI, bot) turn these into output in one place each; anything else is a bug and
is logged with its trace.
"""

from __future__ import annotations


class TroLyXaError(Exception):
    """Base class: `str(error)` is safe to show to a user."""


class LoadError(TroLyXaError):
    """A file could not be read into text."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"Không đọc được tệp «{name}»: {reason}")
        self.name = name
        self.reason = reason


class StoreMismatchError(TroLyXaError):
    """The vector store holds vectors of another embedding model."""


class NotFoundError(TroLyXaError):
    """A document, directive or unit the user named does not exist."""


class ConfigError(TroLyXaError):
    """A setting in the environment is invalid."""


class StoreUnavailableError(TroLyXaError):
    """A database or Chroma server cannot be reached."""
