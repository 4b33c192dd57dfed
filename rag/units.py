"""The units (đơn vị) that receive tasks, with the many names each goes by.

Matching is done on folded text (no diacritics, lower case, one tone style), so "UBKT Đảng
uỷ", "Ủy ban kiểm tra Đảng ủy" and "uy ban kiem tra" all resolve to one canonical unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import fold

# canonical name -> aliases; the canonical name is an alias of itself.
SEED_UNITS: dict[str, tuple[str, ...]] = {
    "Ban Chấp hành Đảng bộ xã": ("Ban Chấp hành Đảng bộ", "BCH Đảng bộ", "Ban Chấp hành", "BCH", "Đảng ủy viên"),
    "Ban Thường vụ Đảng ủy": ("Ban Thường vụ", "BTV Đảng ủy", "BTV"),
    "Thường trực Đảng ủy": ("TT Đảng ủy", "Thường trực Đảng ủy xã"),
    "Đảng ủy xã": ("Đảng ủy", "ĐU", "cấp ủy"),
    "Văn phòng Đảng ủy": ("VPĐU", "Văn phòng ĐU", "Văn phòng"),
    "Ban Xây dựng Đảng": ("Ban XD Đảng", "Ban Xây dựng Đảng Đảng ủy", "Ban Xây dựng Đảng Đảng ủy xã"),
    "Ủy ban Kiểm tra Đảng ủy": ("UBKT Đảng ủy", "UBKT", "Ủy ban Kiểm tra", "UBKT ĐU"),
    "Trung tâm Chính trị": ("Trung tâm Chính trị xã",),
    "Đảng ủy UBND xã": ("Đảng ủy UBND", "Đảng ủy Ủy ban nhân dân xã", "Đảng ủy Ủy ban nhân dân"),
    "HĐND xã": ("HĐND", "Hội đồng nhân dân xã", "Hội đồng nhân dân", "Thường trực HĐND"),
    "UBND xã": ("UBND", "Ủy ban nhân dân xã", "Ủy ban nhân dân", "chính quyền xã", "chính quyền"),
    "Ủy ban MTTQ xã": (
        "Ủy ban MTTQ",
        "MTTQ",
        "Mặt trận Tổ quốc",
        "Ủy ban Mặt trận Tổ quốc",
        "MTTQ xã",
        "Ủy ban MTTQ và các đoàn thể",
        "MTTQ và các đoàn thể",
    ),
    "Hội Cựu chiến binh": ("Hội CCB", "CCB", "Hội Cựu chiến binh xã", "Hội CCB xã"),
    "Hội Nông dân": ("Hội Nông dân xã", "Hội ND"),
    "Hội Liên hiệp Phụ nữ": ("Hội Phụ nữ", "Hội LHPN", "Hội Phụ nữ xã", "Hội LHPN xã"),
    "Đoàn Thanh niên": (
        "Đoàn TNCS Hồ Chí Minh",
        "Đoàn thanh niên",
        "Đoàn TN",
        "BCH Đoàn xã",
        "Đoàn xã",
        "Đoàn TNCS",
    ),
    "Công an xã": ("Đảng bộ Công an xã", "Công an"),
    "Quân sự xã": ("Ban Chỉ huy Quân sự xã", "Chi bộ Quân sự xã", "Quân sự"),
    "Ban Công tác 35": ("Ban chỉ đạo 35",),
    "Các chi, đảng bộ trực thuộc": ("các chi bộ", "chi, đảng bộ trực thuộc", "các chi, đảng bộ", "chi bộ"),
    "Các cơ quan, đơn vị": ("các cơ quan, đơn vị", "các cơ quan Đảng, MTTQ và đoàn thể", "các cơ quan tham mưu"),
}


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


@dataclass(frozen=True)
class UnitMatch:
    canonical: str
    alias: str
    length: int  # characters of the folded key matched
    alone: bool = False  # the text is the unit's name and nothing more (a table cell, a label)


class UnitRegistry:
    """Resolves any alias (with or without diacritics) to its canonical unit."""

    def __init__(self, units: dict[str, tuple[str, ...]] | None = None) -> None:
        self._by_key: dict[str, str] = {}
        for canonical, aliases in (units or SEED_UNITS).items():
            self.add(canonical, *aliases)

    def add(self, canonical: str, *aliases: str) -> None:
        for name in (canonical, *aliases):
            self._by_key.setdefault(_key(name), canonical)
        self._sorted = sorted(self._by_key, key=len, reverse=True)
        self._any = re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, self._sorted)) + r")(?![a-z0-9])")

    def copy(self) -> UnitRegistry:
        other = UnitRegistry({})
        other._by_key = dict(self._by_key)
        other._sorted, other._any = self._sorted, self._any
        return other

    def aliases(self, canonical: str) -> list[str]:
        """Every folded name of a unit, longest first."""
        return [alias for alias in self._sorted if self._by_key[alias] == canonical]

    @property
    def canonical_names(self) -> list[str]:
        return sorted(set(self._by_key.values()))

    def resolve(self, name: str) -> str | None:
        """Exact alias lookup: "ubkt dang uy" -> "Ủy ban Kiểm tra Đảng ủy"."""
        return self._by_key.get(_key(name))

    def at_start(self, text: str) -> UnitMatch | None:
        """The unit a sentence or heading opens with ("Hội CCB tiếp tục…")."""
        key = _key(re.sub(r"^\s*(?:[-–+•*]|\d+(?:\.\d+)*\.?)\s*", "", text))
        for alias in self._sorted:
            if key == alias or key.startswith(alias + " "):
                return UnitMatch(self._by_key[alias], alias, len(alias), key == alias)
        return None

    def find_all(self, text: str) -> list[str]:
        """Every unit named anywhere in a text, in order, the longest alias winning."""
        found = (self._by_key[m.group(1)] for m in self._any.finditer(_key(text)))
        return list(dict.fromkeys(found))
