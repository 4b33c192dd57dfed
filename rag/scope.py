"""What one audience may read, decided once and enforced inside every query.

Every read of the engine takes a `Scope`; there is no default that reads everything. The
interface builds it from who is listening: the bot from the user's approval (names resolved
to commune identities by `Assistant.scope_for`) and the chat (a group never sees a document
marked MẬT), the CLI an operator scope at the installation's own console.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    communes: frozenset[str] | None  # commune identities (rag.communes) it may read; None: every commune
    classified: bool  # whether documents marked MẬT / TỐI MẬT may be read

    @classmethod
    def operator(cls) -> Scope:
        """Whoever runs the installation's own commands: every commune, MẬT included."""
        return cls(None, True)

    def narrow(self, asked: list[str] | None) -> list[str] | None:
        """The communes to search: those asked for (None: any) that this scope may read."""
        if self.communes is None:
            return asked
        return sorted(self.communes if asked is None else set(asked) & self.communes)

    def permits(self, commune: str, classification: str | None) -> bool:
        """Whether a document of this commune (identity) and classification may be read."""
        if classification is not None and not self.classified:
            return False
        return self.communes is None or commune in self.communes
