"""Loaders: one file in, its raw text out (.txt, .md, .docx with tables, .pdf text layer, and
Word's "Web page" export .htm/.html)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import LoadError
from rag.ingest.html import html_text, table_blocks
from rag.ingest.legacy import detect, to_unicode

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".doc", ".htm", ".html")
# A .docx is a zip; refuse ones that inflate far beyond any real report (zip bombs).
_MAX_DOCX_INFLATED = 200 * 1024 * 1024


@dataclass(frozen=True)
class LoadedFile:
    name: str
    text: str
    data: bytes
    legacy: str | None = None  # "TCVN3" or "VNI" when the text was converted
    ocr: bool = False  # some pages had no text layer and were read by OCR


def load(path: Path, max_bytes: int) -> LoadedFile:
    """Read one file; raise `LoadError` with a Vietnamese reason on anything unusable."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(
            name, f"định dạng «{suffix or 'không có đuôi'}» chưa được hỗ trợ; hãy gửi tệp .docx, .pdf, .txt hoặc .md."
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(name, f"không mở được tệp ({exc.strerror}).") from exc
    if size == 0:
        raise LoadError(name, "tệp rỗng, không có nội dung. Hãy kiểm tra lại tệp gốc.")
    if size > max_bytes:
        raise LoadError(
            name,
            f"tệp quá lớn ({size / 1e6:.0f} MB, giới hạn {max_bytes / 1e6:.0f} MB). "
            "Hãy tách tài liệu thành các tệp nhỏ hơn.",
        )
    data = path.read_bytes()
    try:
        raw, ocr = _extract(name, suffix, data)
    except LoadError:
        raise
    except Exception as exc:  # a reader library failing on a file it cannot read: the user gets a reason
        log.warning("%s: %s reader failed", name, suffix, exc_info=True)
        raise LoadError(name, _BROKEN.get(suffix, _BROKEN[".txt"])) from exc
    text, legacy = to_unicode(raw)  # TCVN3 / VNI mojibake becomes Unicode
    if legacy:
        log.info("%s: converted from %s to Unicode", name, legacy)
    if not text.strip():
        raise LoadError(
            name, "không tìm thấy chữ trong tệp (có thể là bản quét chưa nhận dạng chữ). Hãy gửi bản có lớp chữ."
        )
    return LoadedFile(name=name, text=text, data=data, legacy=legacy, ocr=ocr)


_BROKEN = {
    ".pdf": "tệp PDF bị hỏng hoặc có cấu trúc lạ, không đọc được chữ. Hãy xuất lại PDF từ tài liệu gốc.",
    ".docx": "tệp Word bị hỏng hoặc có cấu trúc lạ (như bảng gộp ô bất thường). Hãy mở bằng Word, lưu lại rồi gửi.",
    ".doc": "tệp Word cũ (.doc) không đọc được. Hãy mở bằng Word và «Lưu thành» .docx rồi gửi lại.",
    ".htm": "tệp trang web (.htm) không đọc được. Hãy mở bằng Word và «Lưu thành» .docx rồi gửi lại.",
    ".html": "tệp trang web (.html) không đọc được. Hãy mở bằng Word và «Lưu thành» .docx rồi gửi lại.",
    ".txt": "không đọc được nội dung tệp. Hãy lưu lại tệp với mã UTF-8 (Unicode) rồi gửi lại.",
}


def _extract(name: str, suffix: str, data: bytes) -> tuple[str, bool]:
    """(raw text, whether OCR read any page)."""
    if suffix == ".pdf":
        return _pdf(name, data)
    if suffix == ".doc":
        return _docx(name, _doc_to_docx(name, data)), False
    reader = {".txt": _text, ".md": _text, ".docx": _docx, ".htm": html_text, ".html": html_text}[suffix]
    return reader(name, data), False


def _text(name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    # One byte a letter in a Vietnamese font encoding (TCVN3, VNI): converted by the caller.
    latin = data.decode("latin-1")
    if detect(latin) in {"tcvn3", "vni"}:
        return latin
    # Windows-1258, the legacy Vietnamese code page, writes tone marks as combining characters.
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and any(mark in text for mark in "\u0300\u0301\u0303\u0309\u0323ơưăđĐ"):
        return text
    raise LoadError(name, "tệp văn bản không ở mã UTF-8. Hãy lưu lại tệp với mã UTF-8 (Unicode).")


def _doc_to_docx(name: str, data: bytes) -> bytes:
    """Old Word files (.doc) through LibreOffice in headless mode, when it is installed."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise LoadError(
            name,
            "tệp Word cũ (.doc) cần LibreOffice để đọc, máy chủ chưa cài. Hãy mở tệp bằng Word và "
            "«Lưu thành» .docx rồi gửi lại.",
        )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "input.doc"
        source.write_bytes(data)
        subprocess.run(
            [office, "--headless", "--convert-to", "docx", "--outdir", folder, str(source)],
            capture_output=True,
            timeout=300,
            check=False,
        )
        converted = Path(folder) / "input.docx"
        if not converted.is_file():
            raise LoadError(name, "không chuyển được tệp .doc sang .docx. Hãy lưu lại bằng Word thành .docx.")
        return converted.read_bytes()


def _docx(name: str, data: bytes) -> str:
    import io

    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_DOCX_INFLATED:
                raise LoadError(name, "tệp .docx giải nén ra quá lớn, có dấu hiệu bất thường. Hãy kiểm tra lại tệp.")
        document = Document(io.BytesIO(data))
    except LoadError:
        raise
    except Exception as exc:  # python-docx raises many kinds on broken files
        raise LoadError(
            name, "tệp .docx bị hỏng hoặc không phải tài liệu Word. Hãy mở và lưu lại bằng Word rồi gửi lại."
        ) from exc
    blocks: list[str] = _margins(document)
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(item.text)
        elif isinstance(item, Table):
            blocks.extend(_table_rows(item))
    return "\n\n".join(blocks)


def _margins(document: object) -> list[str]:
    """What Word keeps outside the body's flow, where a classification mark or the issuer
    often stands: page headers (their paragraphs and tables) and text boxes. Put first, as
    the header of the document."""
    from docx.oxml.ns import qn

    found: list[str] = []
    for section in document.sections:  # type: ignore[attr-defined]
        for part in (section.first_page_header, section.header):
            if part.is_linked_to_previous:
                continue
            found += [p.text for p in part.paragraphs]
            for table in part.tables:
                found += _table_rows(table)
    for box in document.element.body.iter(qn("w:txbxContent")):  # type: ignore[attr-defined]
        found += ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in box.iter(qn("w:p"))]
    return list(dict.fromkeys(line for line in (" ".join(text.split()) for text in found) if line))


def _table_rows(table: object) -> list[str]:
    """A table's blocks, as `table_blocks` reads a table."""
    try:
        grid = [[[p.text for p in cell.paragraphs] for cell in row.cells] for row in table.rows]  # type: ignore[attr-defined]
    except ValueError:  # python-docx gives up on some vertical merges: read the cells as written
        grid = [[_cell_paragraphs(tc) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]  # type: ignore[attr-defined]
    return table_blocks(grid)


def _cell_paragraphs(tc: object) -> list[str]:
    from docx.oxml.ns import qn

    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p"))]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Word's "Web page" export (.htm, .html)


# Word declares the code page in a <meta>: "charset=windows-1252" (letters outside it become
# character references), "utf-8", or "windows-1258" for Vietnamese.
def _pdf(name: str, data: bytes) -> tuple[str, bool]:
    """(text, whether OCR read any page). Pages without a text layer are scans: OCR'd with
    Tesseract's Vietnamese model when it is installed."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise LoadError(name, "tệp PDF có mật khẩu. Hãy gỡ mật khẩu rồi gửi lại.")
            except LoadError:
                raise
            except Exception as exc:
                raise LoadError(name, "tệp PDF có mật khẩu. Hãy gỡ mật khẩu rồi gửi lại.") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(name, "tệp PDF bị hỏng hoặc không phải PDF. Hãy xuất lại PDF từ tài liệu gốc.") from exc
    scanned = [i for i, text in enumerate(pages) if len(text.strip()) < MIN_TEXT_LAYER]
    if not scanned:
        return "\n\n".join(pages), False
    if shutil.which("tesseract") is None:
        if len(scanned) == len(pages):
            raise LoadError(
                name,
                "đây là bản quét (ảnh), máy chủ chưa cài phần mềm nhận dạng chữ. Hãy cài tesseract-ocr và "
                "tesseract-ocr-vie, hoặc gửi bản có lớp chữ.",
            )
        return "\n\n".join(pages), False
    for i, text in zip(scanned, _ocr(data, scanned), strict=True):
        pages[i] = text
    return "\n\n".join(pages), True


MIN_TEXT_LAYER = 20  # characters below which a page counts as a scan
OCR_DPI = 300


def _ocr(data: bytes, page_numbers: list[int]) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    out: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for number in page_numbers:
            image = document[number].render(scale=OCR_DPI / 72).to_pil()
            path = Path(folder) / f"page-{number}.png"
            image.save(path)
            result = subprocess.run(
                ["tesseract", str(path), "stdout", "-l", "vie"],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            out.append(result.stdout if result.returncode == 0 else "")
    return out
