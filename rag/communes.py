"""Commune identity: who may read what is decided on identities, not on folded names.

Folding diacritics is right for matching what people type ("ke sat" finds Kè Sắt) and wrong
for access: "Phù Mỹ" (Gia Lai) and "Phú Mỹ" (Quảng Trị) are different communes. A commune's
identity is its official code in the gazetteer of the `vietnam-provinces` package (34
provinces, 3,321 communes and wards after 1 July 2025) when its name — with diacritics —
names one commune there (in the document's province when the header states it); otherwise
the name itself with its diacritics ("~kè sắt": older names, before the merger, or typos a
document carries). What a person types resolves to identities only when it is unambiguous.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from rag.text import fold, normalize

_PREFIX_RE = re.compile(r"^(?:xã|phường|thị trấn|đặc khu)\s+", re.IGNORECASE)
# "ĐẢNG BỘ TỈNH KHÁNH HOÀ", "UBND TỈNH QUẢNG NINH", "THÀNH PHỐ HẢI PHÒNG" in a header line
_PROVINCE_RE = re.compile(
    r"^\W*(?:ĐẢNG BỘ\s+|UBND\s+|ỦY BAN NHÂN DÂN\s+)?(TỈNH|THÀNH PHỐ)\s+([^\W\d_][^\n,*]{1,30}?)\s*$"
)


def name_key(name: str | None) -> str:
    """A commune's name as an exact key: NFC, one tone style, lower case, no "xã"/"phường"."""
    text = " ".join(normalize(name or "").lower().split())
    return _PREFIX_RE.sub("", text)


def commune_key(name: str | None) -> str:
    """Folded name, for matching what people type: "Kè Sắt", "Kê Sắt", "ke sat" -> "ke sat"."""
    return " ".join(fold(name_key(name)).split())


class Gazetteer:
    """The official list: communes and wards by exact name, provinces by name."""

    def __init__(self) -> None:
        from vietnam_provinces import Province, Ward

        self.provinces = {name_key(_PROVINCE_PREFIX.sub("", p.name)): int(p.code) for p in Province.iter_all()}
        self.wards: dict[str, list[tuple[int, int]]] = defaultdict(list)  # name -> [(code, province code)]
        self.names: dict[int, str] = {}
        self.province_names = {int(p.code): p.name for p in Province.iter_all()}
        for ward in Ward.iter_all():
            self.wards[name_key(ward.name)].append((int(ward.code), int(ward.province_code)))
            self.names[int(ward.code)] = ward.name

    def code(self, name: str, province: int | None = None) -> int | None:
        """The official code of the one commune of this exact name (in `province` if given)."""
        found = [code for code, in_province in self.wards.get(name_key(name), []) if province in (None, in_province)]
        return found[0] if len(found) == 1 else None


_PROVINCE_PREFIX = re.compile(r"^(?:tỉnh|thành phố)\s+", re.IGNORECASE)


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer()


def province_in(text: str) -> int | None:
    """The province a document's header names ("ĐẢNG BỘ TỈNH KHÁNH HOÀ"), as its official code."""
    for line in text.splitlines()[:25]:
        if match := _PROVINCE_RE.match(line.strip()):
            return gazetteer().provinces.get(name_key(match.group(2)))
    return None


def identity(name: str | None, province: int | None = None) -> str:
    """A commune's identity (see the module's docstring); "" for no commune."""
    key = name_key(name)
    if not key:
        return ""
    code = gazetteer().code(key, province)
    return f"vn:{code}" if code is not None else f"~{key}"


def resolve(typed: str, known: Iterable[tuple[str, str]]) -> list[str]:
    """Identities a typed commune name means among `known` (identity, name) pairs: those of
    the same exact name, else — for a name typed without diacritics — those whose folded name
    it is, when they all bear one name. Several names folding to what was typed ("phu my":
    Phú Mỹ, Phù Mỹ) resolve to none: ambiguous, see `candidates`."""
    known = list(known)
    exact = sorted({ident for ident, name in known if name_key(name) == name_key(typed)})
    if exact or fold(typed) != typed.lower():  # typed with diacritics: only the exact name is meant
        return exact
    matches = {(ident, name_key(name)) for ident, name in known if commune_key(name) == commune_key(typed)}
    return sorted(ident for ident, _ in matches) if len({name for _, name in matches}) == 1 else []


def candidates(typed: str, known: Iterable[tuple[str, str]]) -> list[str]:
    """The names, with diacritics, that a name typed without them could mean."""
    return sorted({name for _, name in known if commune_key(name) == commune_key(typed)})
