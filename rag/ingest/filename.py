"""What an e-office system adds to a document: the name of the signed file and the stamps
its digital signatures print.

Party e-office systems name a signed copy after its registration: an optional agency code,
the issuer and kind codes, the zero-padded number and the year, then whatever the clerk
typed ("A32.65-ĐU-BC-0019-2025", "ĐU-TB-0017-2025 TB-30.9.2025 THỰC HIỆN NHIỆM VỤ QUÝ III"),
and each digital signature appends ".signed". Files saved by hand often carry the number in
its printed shape instead ("BÁO CÁO_100-BC_ĐU_2025", "15-TB-ĐU ngày 16.9.2025"). The parser
uses what is read here only to fill what the document text leaves blank.

A digital signature prints the signing body and time to the second at the end of the text
("ĐẢNG UỶ XÃ CÔNG HẢI" / "01-10-2025 10:49:44 +07:00"), sometimes with the number the clerk
stamped; a PDF export may put these anywhere, even first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text import fold

# Kind codes of document numbers (Hướng dẫn 36-HD/VPTW), in their official spelling.
KIND_CODES = {
    "NQ": "Nghị quyết",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "QC": "Quy chế",
    "TB": "Thông báo",
    "BC": "Báo cáo",
    "KH": "Kế hoạch",
    "HD": "Hướng dẫn",
    "CV": "Công văn",
    "TTr": "Tờ trình",
    "CTr": "Chương trình",
    "BB": "Biên bản",
}
# Folded lookup, so "QD", "Ctr" or "ctr" typed on a keyboard without Vietnamese find their code.
_BY_FOLD = {fold(code): code for code in KIND_CODES}

_EXTENSIONS = ("txt", "md", "pdf", "doc", "docx", "htm", "html", "odt", "rtf")
_SIGNED_RE = re.compile(r"(?:\.signed)+$", re.IGNORECASE)
_CODE = r"[^\W\d_]{1,10}"
# [agency-]ISSUER-KIND-NUMBER-YEAR, the two codes in either order, "-" or "_" between fields.
_EOFFICE_RE = re.compile(
    rf"^(?:(?P<agency>[^\W_]*\d[^\W_]*(?:\.[^\W_]+)*)[-_ ]+)?(?P<a>{_CODE})[-_](?P<b>{_CODE})[-_]"
    r"(?P<num>\d{1,6})[-_](?P<year>(?:19|20)\d{2})(?!\d)(?P<rest>.*)$"
)
# NUMBER-KIND-ISSUER, the printed number with the "/" a file name cannot hold replaced.
_PRINTED_RE = re.compile(
    rf"(?<![^\W_])(?<!\.)(?P<num>\d{{1,5}})[-_ ](?P<kind>{_CODE})[-_ ](?P<issuer>{_CODE})(?![^\W_])"
)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# Dates as clerks type them in names: "30.9.2025", "26-8-2025", "13.11..2025", "23_02_2026".
_DATE_RE = re.compile(r"(?<![\d.])(\d{1,2})[.\-_]{1,2}(\d{1,2})[.\-_]{1,2}((?:19|20)\d{2})(?!\d)")
_DAY_MONTH_RE = re.compile(r"\((\d{1,2})[.\-_/](\d{1,2})\)")  # "(26-9)": the year is the number's
_ISO_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")  # "binh-lu_2025-09-23_…"


@dataclass(frozen=True)
class FileNameInfo:
    stem: str  # the name without extension and ".signed" suffixes
    kind: str | None = None  # "Báo cáo"
    number: str | None = None  # "19-BC/ĐU"
    year: int | None = None
    date: str | None = None  # ISO "2025-09-30" from a date typed in the name
    subject: str | None = None  # what the clerk typed after the registration
    agency: str | None = None  # "A32.65"


def kind_code(code: str) -> str | None:
    """The official spelling of a kind code ("CTR" -> "CTr"), None when it is not one."""
    return _BY_FOLD.get(fold(code))


def format_number(number: str, code: str, issuer: str) -> str:
    """Canonical document number, kind code in its official spelling: "22-CTr/ĐU"."""
    issuer = re.sub(r"\s+", "", issuer).upper()
    return f"{int(number)}-{kind_code(code) or code.upper()}/{issuer}"


def stem(name: str) -> str:
    """The name without its extension and signature suffixes.

    Only known extensions are cut: agency codes hold dots ("A32.65-ĐU-BC-0019-2025").
    """
    base = name.strip().replace("\\", "/").rsplit("/", 1)[-1]
    head, dot, ext = base.rpartition(".")
    if dot and ext.lower() in _EXTENSIONS:
        base = head
    return _SIGNED_RE.sub("", base.rstrip(". ")).rstrip(". ")


def parse_file_name(name: str) -> FileNameInfo:
    base = stem(name)
    if (found := _EOFFICE_RE.match(base)) is not None:
        first, second = found.group("a"), found.group("b")
        # Systems write ISSUER-KIND; a name with the kind first still has one code that is a kind.
        code, issuer = (second, first) if kind_code(second) or not kind_code(first) else (first, second)
        code_known = kind_code(code)
        year = int(found.group("year"))
        rest = found.group("rest")
        return FileNameInfo(
            stem=base,
            kind=KIND_CODES[code_known] if code_known else None,
            number=format_number(found.group("num"), code, issuer) if code_known else None,
            year=year,
            date=_date_in(rest, year),
            subject=_subject(rest),
            agency=found.group("agency"),
        )
    for printed in _PRINTED_RE.finditer(base):
        code_known = kind_code(printed.group("kind"))
        # Issuer codes are capitals ("ĐU", "TU"): "3 CV gửi…" is words, not a number.
        if code_known is None or not printed.group("issuer").isupper():
            continue
        after = base[printed.end() :]
        year_match = _YEAR_RE.search(after) or _YEAR_RE.search(base)
        year = int(year_match.group(1)) if year_match else None
        # The year written right after the number belongs to it ("100-BC_ĐU_2025"), not to the subject.
        after = re.sub(r"^[-_ ]*(?:19|20)\d{2}(?!\d)", "", after)
        return FileNameInfo(
            stem=base,
            kind=KIND_CODES[code_known],
            number=format_number(printed.group("num"), code_known, printed.group("issuer")),
            year=year,
            date=_date_in(base, year),
            subject=_subject(base[: printed.start()] + " " + after),
        )
    year_match = _YEAR_RE.search(base)
    year = int(year_match.group(1)) if year_match else None
    return FileNameInfo(stem=base, year=year, date=_date_in(base, year))


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _date_in(text: str, year: int | None) -> str | None:
    for match in _DATE_RE.finditer(text):
        day, month, full_year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if _valid(month, day):
            return f"{full_year}-{month:02d}-{day:02d}"
    for match in _ISO_DATE_RE.finditer(text):
        full_year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if _valid(month, day):
            return f"{full_year}-{month:02d}-{day:02d}"
    if year is not None:
        for match in _DAY_MONTH_RE.finditer(text):
            day, month = int(match.group(1)), int(match.group(2))
            if _valid(month, day):
                return f"{year}-{month:02d}-{day:02d}"
    return None


def _subject(rest: str) -> str | None:
    text = re.sub(r"\s+", " ", rest.replace("_", " ")).strip(" -–.,")
    return text or None


# A signing time to the second is what tells a stamp from a date typed in the text.
_STAMP_RE = re.compile(
    r"(?<!\d)(?:(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})|(\d{4})-(\d{2})-(\d{2}))[ T]+\d{1,2}:\d{2}:\d{2}"
)
_TIMEZONE_RE = re.compile(r"^[+-]\d{2}:?\d{2}$")
BARE_NUMBER_RE = re.compile(r"^\d{1,5}$")
_STAMPED_NUMBER_RE = re.compile(r"\d:\d{2}:\d{2}(?:\s*[+-]\d{2}:?\d{2})?\s+(\d{1,5})$")


@dataclass
class Stamps:
    dates: list[str] = field(default_factory=list)  # ISO days of the digital signatures
    lines: set[int] = field(default_factory=set)  # indexes of the lines a stamp prints: never content


def is_stamp(line: str) -> bool:
    return len(line) <= 80 and _STAMP_RE.search(line) is not None


def stamp_number(line: str) -> str | None:
    """The number the clerk stamped, when re-flow put it on the stamp's line ("… +07:00 175")."""
    match = _STAMPED_NUMBER_RE.search(line) if is_stamp(line) else None
    return match.group(1) if match else None


def find_stamps(lines: list[str]) -> Stamps:
    stamps = Stamps()
    for i, line in enumerate(lines):
        match = _STAMP_RE.search(line)
        if match is None or len(line) > 80:
            continue
        day, month, year = match.group(1, 2, 3) if match.group(1) else match.group(6, 5, 4)
        if _valid(int(month), int(day)):
            stamps.dates.append(f"{year}-{int(month):02d}-{int(day):02d}")
        stamps.lines.add(i)
        # The signing body printed above the time (in capitals, maybe wrapped onto two lines),
        # the time zone or the stamped number around it.
        for j in range(max(0, i - 2), min(len(lines), i + 3)):
            upper = j < i and is_upper(lines[j]) and len(lines[j]) < 60
            if upper or _TIMEZONE_RE.match(lines[j]) or BARE_NUMBER_RE.match(lines[j]):
                stamps.lines.add(j)
    return stamps


def is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def title_case(upper: str) -> str:
    return " ".join(word.capitalize() for word in upper.split())


# ---------------------------------------------------------------------------
# Sentence case of a subject typed in capitals, in a header ("KẾT LUẬN CỦA BAN THƯỜNG VỤ")
# or a file name ("CV MỜI HỌP BTV")

# Vietnamese writes the bodies of the Party and the State with capitals on their name words.
_BODIES = (
    "Ban Chấp hành Trung ương|Ban Chấp hành|Ban Thường vụ|Ban Bí thư|Bộ Chính trị|Ban Xây dựng Đảng|Ban Tổ chức"
    "|Ban Tuyên giáo|Ban Dân vận|Ban Nội chính|Ủy ban Kiểm tra|Ủy ban nhân dân|Hội đồng nhân dân"
    "|Mặt trận Tổ quốc Việt Nam|Mặt trận Tổ quốc|Văn phòng|Thường trực|Trung ương|Tỉnh ủy|Thành ủy|Huyện ủy"
    "|Đảng ủy|Đảng bộ|Nghị quyết Đại hội|Đại hội đại biểu|Đại hội Đảng|Quốc hội|Chính phủ|Việt Nam|Hồ Chí Minh"
).split("|")
_BODY_RES = [(re.compile(rf"(?<![^\W_]){re.escape(name.lower())}(?![^\W_])"), name) for name in _BODIES]
_PARTY_RE = re.compile(r"(?<![^\W_])đảng(?!\s+(?:viên|ủy|bộ))(?![^\W_])")  # "của Đảng", not "đảng viên"
_SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)
_ROMAN_RE = re.compile(r"^[IVXLC]+$")
_ORDINAL_WORDS = {"thu", "khoa", "quy", "hoi", "phan", "muc", "chuong", "dieu", "doan"}


def capitalise(text: str, names: dict[str, str]) -> str:
    for pattern, name in _BODY_RES:
        text = pattern.sub(name, text)
    text = _PARTY_RE.sub("Đảng", text)
    for lower, written in names.items():
        text = re.sub(rf"(?<![^\W_]){re.escape(lower)}(?![^\W_])", written, text)
    return text


def sentence_case(upper: str, names: dict[str, str]) -> str:
    """ "KẾT LUẬN CỦA BAN THƯỜNG VỤ ĐẢNG ỦY XÃ CÔNG HẢI LẦN THỨ II" -> "kết luận của Ban Thường vụ
    Đảng ủy xã Công Hải lần thứ II": acronyms (no Vietnamese syllable: "BCH", "UBND") and
    ordinals in Roman numerals keep their capitals; `names` are the header's place names."""
    out: list[str] = []
    previous = ""
    for token in re.split(r"([^\W\d_]+)", upper):
        if token and token[0].isalpha():
            folded = fold(token)
            keep = not _SYLLABLE_RE.match(folded) or (_ROMAN_RE.match(token) and previous in _ORDINAL_WORDS)
            out.append(token if keep else token.lower())
            previous = folded
        else:
            out.append(token)
    return capitalise("".join(out), names)
