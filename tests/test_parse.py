"""Parser and chunker on the five real sample documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.chunk import chunk
from rag.ingest.parse import apply_override, parse
from rag.text import clean
from rag.units import UnitRegistry

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def parsed(prefix: str):
    path = next(CORPUS.glob(f"{prefix}*"))
    return parse(clean(path.read_text(encoding="utf-8")), path.name)


@pytest.mark.parametrize(
    ("prefix", "commune", "doc_type", "signer"),
    [
        ("xuan-hung", "Xuân Hưng", "Thông báo", "Trần Văn Điệp"),
        ("dai-son", "Đại Sơn", "Báo cáo", "Trương Thị Toan"),
        ("ke-sat", "Kè Sắt", "Báo cáo", "Vũ Viết Lập"),
        ("binh-lu", "Bình Lư", "Thông báo", "Tạ Thị Dung"),
        ("phu-trung", "Phú Trung", "Tin", None),
    ],
)
def test_metadata_from_header_body_and_signature(prefix: str, commune: str, doc_type: str, signer: str | None) -> None:
    meta = parsed(prefix).metadata
    assert (meta.commune, meta.doc_type, meta.signer) == (commune, doc_type, signer)
    assert meta.title


def test_place_date_line_and_period() -> None:
    meta = parsed("xuan-hung").metadata
    assert meta.date == "2025-09"  # the day is left blank in the original
    assert meta.period == "tháng 9/2025"
    assert meta.issuer == "Ban Thường vụ Đảng ủy xã Xuân Hưng"  # "T/L BAN THƯỜNG VỤ"
    assert parsed("dai-son").metadata.period == "quý III/2025"
    assert parsed("binh-lu").metadata.date == "2025-09-23"


def test_section_tree_and_citation_labels() -> None:
    doc = parsed("xuan-hung")
    by_heading = {s.heading: s for s in doc.sections}
    unit = by_heading["4. Ban Xây dựng Đảng"]
    assert doc.section_label(unit.index) == "II.4"
    assert doc.section_path(unit.index) == "II. Nhiệm vụ trọng tâm tháng 10/2025 › 4. Ban Xây dựng Đảng"
    ke_sat = parsed("ke-sat")
    labels = {ke_sat.section_label(s.index) for s in ke_sat.sections}
    assert "Phần thứ hai, mục II.1.2" in labels and "Phần thứ nhất, mục II.2.2" in labels


def test_recipients_and_signature_are_metadata_not_content() -> None:
    doc = parsed("xuan-hung")
    body = " ".join(doc.text[p.start : p.end] for p in doc.paragraphs)
    assert "Nơi nhận" not in body and "Trần Văn Điệp" not in body and "Lưu VPĐU" not in body
    assert "Lưu VPĐU" in doc.metadata.recipients


def test_override_file_wins(tmp_path: Path) -> None:
    meta = apply_override(parsed("xuan-hung").metadata, {"number": "15-TB/ĐU", "commune": "Xuân Hưng mới", "x": 1})
    assert meta.number == "15-TB/ĐU" and meta.commune == "Xuân Hưng mới"


@pytest.mark.parametrize("prefix", ["xuan-hung", "dai-son", "ke-sat", "binh-lu", "phu-trung"])
def test_chunks_are_verbatim_and_stay_in_one_section(prefix: str) -> None:
    doc = parsed(prefix)
    chunks = chunk(doc, UnitRegistry())
    assert chunks
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
        owners = {p.section for p in doc.paragraphs if c.start <= p.start < c.end}
        assert len(owners) == 1, f"passage {c.ordinal} spans sections {owners}"


def test_a_passage_never_mixes_two_units_tasks() -> None:
    units = UnitRegistry()
    doc = parsed("ke-sat")
    for c in chunk(doc, units):
        openers = {
            m.canonical
            for line in c.text.split("\n")
            if line.startswith("- ") and (m := units.at_start(line)) is not None
        }
        assert len(openers) <= 1, (c.section_label, openers)


def test_unit_bullets_carry_their_heading() -> None:
    doc = parsed("xuan-hung")
    passage = next(c for c in chunk(doc, UnitRegistry()) if "Tham mưu cho Đảng ủy triển khai hiệu quả" in c.text)
    assert passage.section_path.endswith("4. Ban Xây dựng Đảng")
    assert passage.period == "tháng 10/2025"  # inherited from "II. Nhiệm vụ trọng tâm tháng 10/2025"
