"""Ingestion into a real SQLite database and a real embedded Chroma, from real files."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from rag.assistant import Assistant
from rag.errors import NotFoundError, StoreMismatchError
from rag.scope import Scope
from rag.search.embed import HashEmbedder
from rag.store import documents
from rag.store import schema as store
from tests import backends
from tests.files import make_docx, make_pdf

OPERATOR = Scope.operator()

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NOTICE = [
    "ĐẢNG ỦY XÃ AN HÒA",
    "Số 21-TB/ĐU",
    "An Hòa, ngày 05 tháng 10 năm 2025",
    "THÔNG BÁO",
    "kết luận giao ban tháng 10/2025",
    "I. Nhiệm vụ trọng tâm tháng 11/2025",
    "1. Hội Nông dân",
    "- Vận động nông dân xây dựng 12 mô hình trồng rau an toàn trước ngày 30/11/2025.",
    "2. Văn phòng Đảng ủy",
    "- Hoàn thiện quy chế chi tiêu nội bộ.",
]


def _windows_1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed letters, tone marks as combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tone = "".join(p for p in parts if p in tones)
        out.append(unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones)) + tone)
    return "".join(out).encode("cp1258")


def _vectors(assistant: Assistant) -> set[str]:
    return assistant.vectors.document_ids()


def test_docx_paragraphs_and_tables_are_searchable(fresh: Assistant, tmp_path: Path) -> None:
    path = make_docx(tmp_path / "an-hoa.docx", NOTICE, table=[["Chỉ tiêu", "Kết quả"], ["Hộ nuôi ong mật", "47 hộ"]])
    report = fresh.ingest([path])
    assert report.added == ["an-hoa.docx"]
    [doc] = fresh.documents(OPERATOR)
    assert (doc.commune, doc.number, doc.date, doc.doc_type) == ("An Hòa", "21-TB/ĐU", "2025-10-05", "Thông báo")
    answer = fresh.ask("Có bao nhiêu hộ nuôi ong mật?", OPERATOR)
    assert not answer.abstained and "47 hộ" in answer.answer  # the figure came from the table
    assert answer.citations[0].quote in answer.citations[0].text


def test_pdf_text_layer(fresh: Assistant, tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "an-hoa.pdf", NOTICE)
    assert fresh.ingest([path]).added == ["an-hoa.pdf"]
    answer = fresh.ask("Hội Nông dân tháng 11 phải làm gì?", OPERATOR)
    assert "mô hình trồng rau an toàn" in answer.answer
    assert answer.citations[0].section.endswith("1")


def test_reingest_unchanged_replaced_and_delete(fresh: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "an-hoa.txt"
    path.write_text("\n\n".join(NOTICE), encoding="utf-8")
    assert fresh.ingest([path]).added == ["an-hoa.txt"]
    first = fresh.documents(OPERATOR)[0].id
    assert fresh.ingest([path]).unchanged == ["an-hoa.txt"]

    path.write_text("\n\n".join([*NOTICE, "- Rà soát 35 hồ sơ đảng viên."]), encoding="utf-8")
    assert fresh.ingest([path]).replaced == ["an-hoa.txt"]
    [doc] = fresh.documents(OPERATOR)
    assert doc.id != first
    assert _vectors(fresh) == {doc.id}  # the old version's vectors are gone
    with fresh.sessions() as session:
        assert session.scalars(select(store.Passage).where(store.Passage.document_id == first)).first() is None

    fresh.delete(doc.id)
    assert fresh.documents(OPERATOR) == [] and _vectors(fresh) == set()
    assert fresh.ask("Hội Nông dân tháng 11 phải làm gì?", OPERATOR).abstained
    with pytest.raises(NotFoundError, match="Không có tài liệu"):
        fresh.delete("khongco")


def test_bad_files_fail_alone_with_vietnamese_reasons(fresh: Assistant, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("\n\n".join(NOTICE), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.pdf").write_bytes(b"\x00\x01binary junk, not a pdf" * 50)
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "legacy.txt").write_bytes(_windows_1258("\n\n".join([*NOTICE, "- Mở 3 lớp tập huấn kỹ thuật."])))
    (tmp_path / "latin1.txt").write_bytes(bytes(range(0x80, 0x100)) * 3)
    make_pdf(tmp_path / "locked.pdf", NOTICE, password="matkhau")
    report = fresh.ingest([*sorted(tmp_path.iterdir()), tmp_path / "missing.docx"])
    assert sorted(report.added) == ["good.txt", "legacy.txt"]  # Windows-1258 is read, not refused
    reasons = dict(report.failed)
    assert "tệp rỗng" in reasons["empty.txt"]
    assert "PDF bị hỏng" in reasons["junk.pdf"]
    assert ".docx bị hỏng" in reasons["broken.docx"]
    assert "chưa được hỗ trợ" in reasons["image.png"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "mật khẩu" in reasons["locked.pdf"]
    assert "Không tìm thấy tệp" in reasons["missing.docx"]
    assert {d.commune for d in fresh.documents(OPERATOR)} == {"An Hòa"}


def test_size_limit_is_configurable(tmp_path: Path, embedder) -> None:
    assistant = Assistant(backends.settings_for(tmp_path / "d", max_file_mb=0.001), embedder=embedder).start()
    big = tmp_path / "big.txt"
    big.write_text("Đảng ủy xã " * 500, encoding="utf-8")
    [(name, reason)] = assistant.ingest([big]).failed
    assert name == "big.txt" and "quá lớn" in reason


def test_crash_between_sql_and_chroma_is_repaired_on_start(corpus_copy: Path, embedder) -> None:
    """A document left half-written (pending in SQL, vectors in Chroma) is never searchable and
    is cleaned on the next start, as is one retired by a replacement whose vectors were not yet
    dropped. Vectors SQL never knew of are found and dropped by `doctor --repair`."""
    assistant = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    retired = assistant.documents(OPERATOR)[0].id
    with assistant.sessions() as session, session.begin():
        session.add(
            store.Document(
                id="deadbeefdeadbeef",
                file_name="half.txt",
                source="half.txt",
                status=store.PENDING,
                title="Nửa chừng",
                doc_type="Báo cáo",
                text="Tài liệu nửa chừng về nuôi ong.",
                commune_key="",
                embed_model=embedder.name,
                passages=[
                    store.Passage(
                        id="deadbeefdeadbeef-0000", ordinal=0, start=0, end=30, text="Tài liệu nửa chừng về nuôi ong."
                    )
                ],
            )
        )
        documents.retire(session, retired)  # as if the process died right after publishing its replacement
    assistant.vectors.add(
        ["deadbeefdeadbeef-0000", "0000000000000000-0000"],
        embedder.passages(["Tài liệu nửa chừng về nuôi ong.", "Vectơ mồ côi"]),
        [
            {"document_id": "deadbeefdeadbeef", "commune_key": ""},
            {"document_id": "0000000000000000", "commune_key": ""},
        ],
    )
    hits = assistant.ask("Tài liệu nửa chừng về nuôi ong", OPERATOR).passages
    assert all(p.document_id not in {"deadbeefdeadbeef", retired} for p in hits)  # never searchable

    restarted = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    ready = {d.id for d in restarted.documents(OPERATOR)}
    assert len(ready) == 4 and retired not in ready
    assert restarted.vectors.document_ids() == ready | {"0000000000000000"}
    assert restarted.doctor()["problems"] == ["vectors of unknown document 0000000000000000"]
    restarted.doctor(repair=True)
    assert restarted.vectors.document_ids() == ready and restarted.doctor()["problems"] == []


def test_model_mismatch_is_refused_and_reindex_rebuilds(corpus_copy: Path, tmp_path: Path) -> None:
    assistant = Assistant(backends.settings_for(corpus_copy), embedder=HashEmbedder()).start()
    with pytest.raises(StoreMismatchError, match="trolyxa reindex"):
        assistant.ask("Chỉ thị 50-CT/TW nói gì?", OPERATOR)
    new = tmp_path / "an-hoa.txt"
    new.write_text("\n\n".join(NOTICE), encoding="utf-8")
    [(_, reason)] = assistant.ingest([new]).failed
    assert "trolyxa reindex" in reason
    count = assistant.reindex()
    assert count == assistant.vectors.count() > 100
    assert not assistant.ask("Chỉ thị 50-CT/TW nói gì?", OPERATOR).abstained


def test_documents_marked_mat_are_searched_only_when_allowed(fresh: Assistant, tmp_path: Path) -> None:
    secret = tmp_path / "mat.txt"
    secret.write_text(
        "MẬT\n\n" + "\n\n".join(NOTICE).replace("12 mô hình trồng rau", "9 điểm canh gác"), encoding="utf-8"
    )
    assert fresh.ingest([secret]).added == ["mat.txt"]
    assert fresh.documents(OPERATOR)[0].classification == "MẬT"
    question = "Hội Nông dân tháng 11 phải làm gì?"
    assert "9 điểm canh gác" in fresh.ask(question, OPERATOR).answer  # an admin's search
    hidden = fresh.ask(question, Scope(None, False))
    assert hidden.abstained and hidden.passages == []  # never even retrieved for others


def test_zip_bomb_disguised_as_docx_is_refused(fresh: Assistant, tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "bao-cao.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (250 * 1024 * 1024))
    assert bomb.stat().st_size < 2 * 1024 * 1024  # small on disk
    [(name, reason)] = fresh.ingest([bomb]).failed
    assert name == "bao-cao.docx" and "giải nén ra quá lớn" in reason


TCVN3 = (
    "§¶ng bé x· Kª S¾t\n\nII. NhiÖm vô träng t©m th¸ng 12/2025\n\n1. Héi N«ng d©n\n\n- VËn ®éng 25 hé trång c©y ¨n qu¶."
)
VNI = (
    "Ñaûng boä xaõ Keâ Saét\n\nII. Nhieäm vuï troïng taâm thaùng 12/2025\n\n1. Hoäi Noâng daân\n\n"
    "- Vaän ñoäng 25 hoä troàng caây aên quaû."
)


def test_tcvn3_and_vni_mojibake_is_converted_not_indexed(fresh: Assistant, tmp_path: Path) -> None:
    from rag.ingest.legacy import detect, tcvn3_to_unicode, vni_to_unicode

    expected = "Vận động 25 hộ trồng cây ăn quả."
    assert tcvn3_to_unicode(TCVN3).endswith(expected) and vni_to_unicode(VNI).endswith(expected)
    assert [detect(t) for t in (TCVN3, VNI, "Café crème à la française, naïve", "5 µm")] == [
        "tcvn3",
        "vni",
        "unicode",
        "unicode",
    ]
    (tmp_path / "tcvn3.txt").write_bytes(TCVN3.encode("latin-1"))  # typed with .VnTime fonts
    make_docx(tmp_path / "vni.docx", VNI.split("\n\n"))  # typed with VNI fonts
    report = fresh.ingest([tmp_path / "tcvn3.txt", tmp_path / "vni.docx"])
    assert sorted(report.added) == ["tcvn3.txt", "vni.docx"], report.failed
    answer = fresh.ask("Hội Nông dân tháng 12 phải làm gì?", OPERATOR)
    assert expected.removesuffix(".") in answer.answer and "¶" not in answer.answer


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed (.ci/run installs it)")
def test_scanned_pdf_is_read_by_ocr_and_cited_as_a_scan(fresh: Assistant, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    lines = [
        "THÔNG BÁO",
        "I. Nhiệm vụ trọng tâm tháng 12/2025",
        "1. Hội Nông dân",
        "- Vận động nông dân trồng rau an toàn.",
    ]
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    page = Image.new("RGB", (1654, 2339), "white")  # A4 at 200 dpi, an image and nothing else
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((120, 150 + 90 * i), line, font=font, fill="black")
    scan = tmp_path / "ban-quet.pdf"
    page.save(scan, "PDF", resolution=200)
    assert fresh.ingest([scan]).added == ["ban-quet.pdf"]
    answer = fresh.ask("Hội Nông dân tháng 12 phải làm gì?", OPERATOR)
    assert "trồng rau an toàn" in answer.answer
    assert all(c.ocr for c in answer.citations)


@pytest.mark.skipif(shutil.which("soffice") is not None, reason="LibreOffice installed: .doc files are converted")
def test_old_word_files_get_a_clear_message_without_libreoffice(fresh: Assistant, tmp_path: Path) -> None:
    old = tmp_path / "bao-cao-cu.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # an OLE2 header, as Word 97-2003 writes
    [(name, reason)] = fresh.ingest([old]).failed
    assert name == "bao-cao-cu.doc" and "LibreOffice" in reason and ".docx" in reason


def test_a_200_mb_file_is_refused_before_it_is_read(fresh: Assistant, tmp_path: Path) -> None:
    huge = tmp_path / "khong-lo.pdf"
    with huge.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    [(name, reason)] = fresh.ingest([huge]).failed
    assert name == "khong-lo.pdf" and "quá lớn (210 MB, giới hạn 52 MB)" in reason
