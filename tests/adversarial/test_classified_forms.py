"""Red team 2: a mark "MẬT" written in 6 of 11 common forms was not recognised, so those
documents were readable by every approved user. Each form here is in a real file of the kind
that carries it (.txt, or a Word file made with python-docx: run styles, header tables)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from rag.assistant import Assistant
from rag.scope import Scope

BODY = [
    "ĐẢNG ỦY XÃ AN HÒA",
    "{mark}",
    "Số 21-BC/ĐU",
    "An Hòa, ngày 5 tháng 11 năm 2025",
    "BÁO CÁO",
    "Tình hình an ninh tháng 10/2025",
    "",
    "1. Tình hình chung",
    "Trên địa bàn phát hiện 3 đối tượng cần theo dõi.",
]
TEXT_FORMS = {
    "alone": "MẬT",
    "parenthesis": "(MẬT)",
    "trailing-dot": "MẬT.",
    "labelled": "Độ mật: MẬT",
    "lower-case": "Mật",
    "brackets": "[TỐI MẬT]",
    "letter-spaced": "M Ậ T",
    "bold-markdown": "**MẬT**",
}
PUBLIC = Scope(None, classified=False)


def _text(mark: str) -> str:
    return "\n".join(BODY).replace("{mark}", mark)


def _docx_all_caps(path: Path) -> None:
    """Word's "All caps" style: the file holds "Mật", the reader sees MẬT."""
    document = Document()
    for line in BODY:
        if line == "{mark}":
            document.add_paragraph().add_run("Mật").font.all_caps = True
        else:
            document.add_paragraph(line)
    document.save(path)


def _docx_header_table(path: Path) -> None:
    """The two-column header as a table in the page header, the mark under the issuer."""
    document = Document()
    table = document.sections[0].header.add_table(rows=2, cols=2, width=document.sections[0].page_width)
    table.cell(0, 0).text, table.cell(0, 1).text = "ĐẢNG ỦY XÃ AN HÒA", "ĐẢNG CỘNG SẢN VIỆT NAM"
    table.cell(1, 0).text, table.cell(1, 1).text = "MẬT", "An Hòa, ngày 5 tháng 11 năm 2025"
    for line in BODY[2:]:
        document.add_paragraph(line)
    document.save(path)


def _docx_number_line(path: Path) -> None:
    document = Document()
    for line in BODY:
        if line != "{mark}":
            document.add_paragraph(line.replace("Số 21-BC/ĐU", "Số 21-BC/ĐU          MẬT"))
    document.save(path)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    from tests import backends

    folder = tmp_path_factory.mktemp("marked")
    for name, mark in TEXT_FORMS.items():
        (folder / f"{name}.txt").write_text(_text(mark).replace("An Hòa", f"An Hòa {name}"), encoding="utf-8")
    _docx_all_caps(folder / "all-caps.docx")
    _docx_header_table(folder / "header-table.docx")
    _docx_number_line(folder / "number-line.docx")
    (folder / "doubtful.txt").write_text(_text("Tài liệu MẬT cần giữ gìn"), encoding="utf-8")
    (folder / "public.txt").write_text(_text("Kế hoạch bảo vệ bí mật nhà nước"), encoding="utf-8")
    assistant = Assistant(backends.settings_for(tmp_path_factory.mktemp("data")), embedder=embedder).start()
    report = assistant.ingest([folder])
    assert not report.failed, report.failed
    # the admin is told which mark was read in doubt, and how to undo it
    assert [name for name, _ in report.notes] == ["doubtful.txt"] and "meta.json" in report.notes[0][1]
    return assistant


@pytest.mark.parametrize("name", [*TEXT_FORMS, "all-caps", "header-table", "number-line", "doubtful"])
def test_every_form_of_the_mark_keeps_the_document_from_public_readers(store: Assistant, name: str) -> None:
    stored = {Path(d.file_name).stem: d for d in store.documents(Scope.operator())}
    assert stored[name].classification in {"MẬT", "TỐI MẬT"}
    assert name not in {Path(d.file_name).stem for d in store.documents(PUBLIC)}


def test_the_word_mat_inside_other_words_is_no_mark(store: Assistant) -> None:
    assert "public" in {Path(d.file_name).stem for d in store.documents(PUBLIC)}
