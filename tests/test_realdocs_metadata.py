"""Header metadata of 45 real documents of Đảng ủy xã Công Hải (text exported from signed PDFs),
checked against the catalogue published with them (`<name>.source.json`: an answer key for
this test only, never an input of the software); and the formats real office documents come
in: Word's "Web page" export (files this test writes) and 11 real .docx files of xã Lương Minh.

The catalogue's dates are sometimes those of a document the text cites, a deadline in it or
the meeting a notice reports on; `CATALOGUE_DATE_WRONG` gives, for those, the month the
document's own place-date line says (its digital signature stamp falls in the same month).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.ingest.filename import parse_file_name
from rag.ingest.parse import parse
from rag.text import clean, fold

SHARED = Path(__file__).resolve().parents[2] / "shared" / "realdocs"
REALDOCS = SHARED / "cong-hai"
WORD_FILES = SHARED / "luong-minh"
needs_cong_hai = pytest.mark.skipif(
    not REALDOCS.is_dir(), reason=f"the real Công Hải documents are not here: {REALDOCS} (see shared/realdocs)"
)

# slug -> (month the text gives, where the catalogue's date comes from)
CATALOGUE_DATE_WRONG = {
    "bc-6-2025": ("2025-08", "01/7/2025 is in the subject: '(Kể từ ngày 01/7/2025 đến nay)'"),
    "bc-44-2025": ("2025-10", "01/7/2025 is the first date of the body"),
    "bc-58-2025": ("2025-11", "31/10/2025 is the date of Công văn 199-CV/TU it answers"),
    "bc-65-2025": ("2025-11", "28/10/2025 is the date of Đề án 04-ĐA/TU in a footnote"),
    "bc-113-2026": ("2026-03", "05/7/2025 is the date of Công văn 26-CV/TU it answers"),
    "kh-33-2025": ("2025-12", "26/5/2025 is the date of Quy định 294-QĐ/TW it cites"),
    "kh-45-2026": ("2026-02", "20/02/2025 is the date of Nghị quyết 48-NQ/TU it cites"),
    "ctr-24-2025": ("2025-11", "30/5/2025 is the date of Quy định 296-QĐ/TW it cites"),
    "cv-100-2025": ("2025-09", "19/8/2025 is the date of a document it cites"),
    "cv-200-2025": ("2025-11", "02/12/2025 is the deadline it sets"),
    "cv-263-2025": ("2025-12", "04/01/2026 is the deadline it sets"),
    "tb-17-2025": ("2025-10", "30/9/2025 is the meeting; the notice is dated October, signed 01/10"),
}
# The PDF holds only signature stamps (bc-30) or only its appendices (bc-85): no title to read.
NO_TITLE_IN_TEXT = {"bc-30-2025", "bc-85-2025"}
KINDS = {"BÁO CÁO": "Báo cáo", "THÔNG BÁO": "Thông báo", "KẾT LUẬN": "Kết luận", "NGHỊ QUYẾT": "Nghị quyết"}
KINDS |= {"KẾ HOẠCH": "Kế hoạch", "CHƯƠNG TRÌNH": "Chương trình", "CÔNG VĂN": "Công văn"}


@dataclass(frozen=True)
class Case:
    slug: str
    name: str
    text: str
    number: str
    month: str
    kind: str
    catalogue_title: str


def _month(date_text: str) -> str:
    """ "ngày 05/9/2025", "13/11/2025", "ngày 17 tháng 11 năm 2025" -> "2025-09"."""
    digits = [int(part) for part in "".join(ch if ch.isdigit() else " " for ch in date_text).split()]
    return f"{digits[-1]}-{digits[-2]:02d}"


def _cases() -> list[Case]:
    out: list[Case] = []
    for path in sorted(REALDOCS.glob("*.txt")):
        key = json.loads(path.with_name(path.name[: -len(".txt")] + ".source.json").read_text(encoding="utf-8"))
        month = CATALOGUE_DATE_WRONG.get(key["slug"], (_month(key["date_text"]), ""))[0]
        text = clean(path.read_text(encoding="utf-8"))
        out.append(Case(key["slug"], path.name, text, key["number"], month, KINDS[key["kind"]], key["title"]))
    return out


CASES = _cases() if REALDOCS.is_dir() else []


def _real_title(case: Case, title: str) -> bool:
    """A title read from the text: opens with the kind, is not the file-name fallback
    ("Báo cáo số 30-BC/ĐU…") nor the file name."""
    info = parse_file_name(case.name)
    fallback = f"{info.kind} số {info.number}"
    return title.startswith(case.kind + " ") and not title.startswith(fallback) and info.stem not in title


@needs_cong_hai
def test_the_folder_is_complete() -> None:
    assert len(CASES) == 45


@needs_cong_hai
@pytest.mark.parametrize("with_file_name", [True, False], ids=["with-file-name", "text-only"])
def test_title_number_and_month_of_at_least_40(with_file_name: bool) -> None:
    right: list[str] = []
    wrong: list[str] = []
    for case in CASES:
        meta = parse(case.text, case.name if with_file_name else "").metadata
        ok = _real_title(case, meta.title) and (meta.date or "").startswith(case.month)
        # Without its file name a document keeps the number it prints or the clerk stamped.
        ok = ok and (meta.number == case.number or (not with_file_name and meta.number is None))
        (right if ok else wrong).append(case.slug)
        if with_file_name:
            assert meta.number == case.number, case.slug  # every one: the file name fills a blank number
    assert len(right) >= 40, f"{len(right)}/45 right; wrong: {wrong}"
    assert set(wrong) <= NO_TITLE_IN_TEXT, wrong


@needs_cong_hai
def test_month_of_every_document_comes_from_its_own_text() -> None:
    """Place-date line, else the signature stamp: the file name is not needed for the date."""
    for case in CASES:
        assert (parse(case.text).metadata.date or "").startswith(case.month), case.slug


@needs_cong_hai
def test_titles_match_the_catalogue_where_it_copied_the_header() -> None:
    """Where the catalogue's title is the header's kind line and subject, ours opens with the
    same words (folded: tone marks and capitals do not count; the catalogue sometimes keeps
    only the subject's first line), in sentence case."""
    compared = 0
    for case in CASES:
        if not case.catalogue_title.startswith(case.kind.upper() + " "):
            continue
        title = parse(case.text, case.name).metadata.title
        expected = fold(case.catalogue_title).split()
        assert fold(title).split()[: len(expected)] == expected, case.slug
        assert title[1:] != title[1:].upper(), case.slug  # sentence case, not capitals
        compared += 1
    assert compared >= 25


@needs_cong_hai
def test_signer_and_role_of_signed_documents() -> None:
    signed = [parse(case.text, case.name).metadata for case in CASES if case.slug not in NO_TITLE_IN_TEXT]
    roles = {meta.signer_role for meta in signed}
    assert all(meta.signer for meta in signed), [meta.title for meta in signed if not meta.signer]
    assert roles == {"BÍ THƯ", "PHÓ BÍ THƯ", "CHÁNH VĂN PHÒNG"}
    assert all(meta.commune == "Công Hải" for meta in signed)


# ---------------------------------------------------------------------------
# Formats

WEB_PAGE = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset={charset}">
<title>Tieu de cua tep</title><style>p.MsoNormal {{margin:0cm}}</style>
<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>VP</o:Author></o:DocumentProperties></xml><![endif]-->
<script>var hidden = "không lấy";</script></head><body lang=VI>
<table><tr><td><p>ĐẢNG ỦY XÃ TÂN PHÚ</p><p>Số 12-TB/ĐU</p></td>
<td><p>ĐẢNG CỘNG SẢN VIỆT NAM</p><p><i>Tân Phú, ngày 5 tháng 3 năm 2026</i></p></td></tr></table>
<p class=MsoNormal align=center><b>THÔNG BÁO</b></p>
<p class=MsoNormal align=center>Kết luận của Thường trực Đảng ủy về công tác
tháng 3/2026</p>
<p class=MsoListParagraph><![if !supportLists]><span style='font-family:Symbol'>·<span>&nbsp;&nbsp;</span></span>
<![endif]>Ban Xây dựng Đảng tham mưu kết nạp đảng viên.</p>
<table><tr><td>Chỉ tiêu</td><td>Kết quả</td></tr><tr><td>Đảng viên mới</td><td>12 đồng chí</td></tr></table>
<table><tr><td><p><b>Nơi nhận:</b></p><p>- Các chi bộ,</p><p>- Lưu.</p></td>
<td><p><b>T/M THƯỜNG TRỰC ĐẢNG ỦY</b></p><p><b>PHÓ BÍ THƯ</b></p><p><b>Trần Văn Bình</b></p></td></tr></table>
</body></html>"""


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: letters with a tone mark are a base letter and a combining mark."""
    import unicodedata

    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(m for m in parts if m in "\u0300\u0301\u0303\u0309\u0323")
            out += (unicodedata.normalize("NFC", "".join(m for m in parts if m not in tones)) + tones).encode("cp1258")
    return bytes(out)


def _entities(text: str) -> bytes:
    """Windows-1252: letters outside it as character references, as Word writes them."""
    return text.encode("cp1252", errors="xmlcharrefreplace")


@pytest.mark.parametrize(
    ("charset", "encode"),
    [("utf-8", lambda text: text.encode("utf-8")), ("windows-1258", _cp1258), ("windows-1252", _entities)],
)
def test_word_web_page_export(tmp_path: Path, charset: str, encode: Callable[[str], bytes]) -> None:
    from rag.ingest.load import load

    path = tmp_path / "thong-bao.htm"
    path.write_bytes(encode(WEB_PAGE.format(charset=charset)))
    text = clean(load(path, 10_000_000).text)
    # The header and signature tables are layout: read column by column, a line a paragraph.
    assert "ĐẢNG ỦY XÃ TÂN PHÚ\n\nSố 12-TB/ĐU\n\nĐẢNG CỘNG SẢN VIỆT NAM\n\nTân Phú, ngày 5 tháng 3 năm 2026" in text
    assert "- Ban Xây dựng Đảng tham mưu kết nạp đảng viên." in text  # Word's list bullet
    assert "Chỉ tiêu | Kết quả" in text and "Đảng viên mới | 12 đồng chí" in text
    assert text.index("THÔNG BÁO") < text.index("Ban Xây dựng") < text.index("Chỉ tiêu")
    assert not any(hidden in text for hidden in ("hidden", "margin", "Tieu de", "VP", "supportLists"))
    meta = parse(text, path.name).metadata
    assert (meta.number, meta.date, meta.issuer) == ("12-TB/ĐU", "2026-03-05", "Đảng ủy xã Tân Phú")
    assert meta.title == "Thông báo kết luận của Thường trực Đảng ủy về công tác tháng 3/2026"
    assert (meta.signer, meta.signer_role) == ("Trần Văn Bình", "PHÓ BÍ THƯ")


def test_a_reader_library_failing_is_a_load_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docx.table import _Row

    from rag.errors import LoadError
    from rag.ingest import load as loader
    from tests.files import make_docx

    path = make_docx(tmp_path / "bang.docx", ["Báo cáo"], table=[["Chỉ tiêu", "Kết quả"], ["Đảng viên", "12"]])

    def refuse(self: object) -> None:
        raise ValueError("vertically merged cell")  # what python-docx raises on some merges

    monkeypatch.setattr(_Row, "cells", property(refuse))
    assert "Đảng viên | 12" in loader.load(path, 10_000_000).text  # the cells are read from the XML instead

    def crash(name: str, data: bytes) -> str:
        raise RuntimeError("inside the library")

    monkeypatch.setattr(loader, "_docx", crash)
    with pytest.raises(LoadError) as error:
        loader.load(path, 10_000_000)
    assert "«bang.docx»" in str(error.value) and "Hãy mở bằng Word" in str(error.value)


@pytest.mark.skipif(not WORD_FILES.is_dir(), reason=f"the real Lương Minh .docx files are not here: {WORD_FILES}")
def test_real_word_files_load_with_their_tables() -> None:
    from rag.ingest.load import load

    files = sorted(WORD_FILES.glob("*.docx"))
    assert len(files) == 11
    for path in files:
        text = load(path, 10_000_000).text
        meta = parse(clean(text), path.name).metadata
        assert len(text) > 3000, path.name
        # The header and signature sit in layout tables: their lines reach the parsers as lines.
        assert meta.signer and meta.signer_role, path.name
        assert meta.date and meta.date.startswith(("2025-1", "2026-01")), (path.name, meta.date)
        assert meta.doc_type in {"Hướng dẫn", "Kế hoạch", "Quyết định"} and meta.commune, path.name
