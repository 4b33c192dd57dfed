"""The ending of a Party document: recipients ("Nơi nhận"), the signature block (T/M, T/L,
K/T, the role, the signer's name) and the number a clerk stamped beside the signature."""

from __future__ import annotations

import re

from rag.ingest.filename import BARE_NUMBER_RE, is_stamp, is_upper, stamp_number
from rag.ingest.header import Metadata

ENDING_RE = re.compile(r"^\s*(?:#+\s*)?\**\s*Nơi\s+nhận\s*:?", re.IGNORECASE)
SIGNATURE_RE = re.compile(r"^\s*\**\s*(?:T/M|TM\.|T/L|TL\.|KT\.|K/T)\s", re.IGNORECASE)
_ACTING_RE = re.compile(r"^\s*(?:T/M|TM\.|T/L|TL\.)\s*", re.IGNORECASE)  # for a body, not a person (K/T)
_ROLE_RE = re.compile(
    r"^(?:PHÓ\s+|QUYỀN\s+)?(?:BÍ\s+THƯ|CHÁNH|TRƯỞNG|CHỦ\s+TỊCH|CHỦ\s+NHIỆM|GIÁM\s+ĐỐC|ỦY\s+VIÊN"
    r"|THƯỜNG\s+TRỰC|TỔ\s+TRƯỞNG|THỦ\s+TRƯỞNG|PHÓ)(?![^\W_])"
)


def ending_index(lines: list[str]) -> int:
    """Where the ending starts: "Nơi nhận" or the signature block, whichever comes first near
    the end."""
    for i, line in enumerate(lines):
        if ENDING_RE.match(line) or (SIGNATURE_RE.match(line) and i > len(lines) * 0.5):
            return i
    return len(lines)


def _is_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 6 and all(w.isalpha() and w[0].isupper() and w[1:].islower() for w in words)


def read_ending(tail: list[str], meta: Metadata) -> str | None:
    """Recipients, signer and role into `meta`; returns a number the e-office system stamped
    near the signature ("263"), if any. Recipients (left column) and the signature block
    (right column) may come in either order or interleaved."""
    opener = next((i for i, line in enumerate(tail) if SIGNATURE_RE.match(line)), None)
    if opener is None:  # signed without "T/M …": a role right above a name
        opener = next((i for i, line in enumerate(tail[:-1]) if _ROLE_RE.match(line) and _is_name(tail[i + 1])), None)
    roles: list[str] = []
    stamped: str | None = None
    block: set[int] = set()
    if opener is not None:
        for i in range(opener, min(len(tail), opener + 12)):
            text = tail[i]
            if SIGNATURE_RE.match(text):
                roles = []  # the role printed under the last "T/M", "K/T" is the signer's
            elif is_upper(text) and _ROLE_RE.match(text) and meta.signer is None:
                roles.append(text)
            elif _is_name(text) and meta.signer is None:
                meta.signer = text
            elif BARE_NUMBER_RE.match(text) and (tail[i - 1] == meta.signer or any(map(is_stamp, tail[i - 2 : i + 3]))):
                stamped = stamped or text  # the number the clerk stamped, printed by the signature
            elif text.startswith(("-", "–", "+")) or is_upper(text) or is_stamp(text) or not meta.signer:
                stamped = stamped or stamp_number(text)  # a recipient of the other column, or a stamp
                continue
            else:
                break
            block.add(i)
        meta.signer_role = " ".join(roles).strip() or None
        acting = next((line for line in tail[opener:] if _ACTING_RE.match(line)), None)
        if acting:
            meta.issuer = meta.issuer or _ACTING_RE.sub("", acting).strip()  # completed with the commune later
    listed = next((i for i, text in enumerate(tail) if ENDING_RE.match(text)), None)  # after the signature, too
    if listed is not None:
        recipients: list[str] = []
        bulleted = False  # under bullets, a line without one goes on the recipient above it
        rest = [(listed, ENDING_RE.sub("", tail[listed]).strip())]  # "Nơi nhận: - Như trên,"
        for i, text in rest + list(enumerate(tail[listed + 1 :], start=listed + 1)):
            bullet = text.startswith(("-", "–", "+", "•"))
            person = is_upper(text) or _is_name(text) or is_stamp(text)
            if i in block or not text:
                continue
            if bullet or not (person or bulleted):
                bulleted = bulleted or bullet
                recipients.append(re.sub(r"^[-–+•]\s*", "", text).rstrip(",;. "))
            elif recipients and not person:
                recipients[-1] = f"{recipients[-1]} {text.rstrip(',;. ')}"
            elif opener is None or i > opener:
                break
        meta.recipients = recipients
    return stamped
