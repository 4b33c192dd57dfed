"""Loaders: one file in, its raw text out (.txt, .md, .docx with tables, .pdf text layer)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import LoadError
from rag.ingest.legacy import detect, to_unicode

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".doc")
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
    ocr = False
    if suffix == ".pdf":
        raw, ocr = _pdf(name, data)
    elif suffix == ".doc":
        raw = _docx(name, _doc_to_docx(name, data))
    else:
        raw = {".txt": _text, ".md": _text, ".docx": _docx}[suffix](name, data)
    text, legacy = to_unicode(raw)  # TCVN3 / VNI mojibake becomes Unicode
    if legacy:
        log.info("%s: converted from %s to Unicode", name, legacy)
    if not text.strip():
        raise LoadError(
            name, "không tìm thấy chữ trong tệp (có thể là bản quét chưa nhận dạng chữ). Hãy gửi bản có lớp chữ."
        )
    return LoadedFile(name=name, text=text, data=data, legacy=legacy, ocr=ocr)


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
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(item.text)
        elif isinstance(item, Table):
            blocks.extend(_table_rows(item))
    return "\n\n".join(blocks)


def _table_rows(table: object) -> list[str]:
    """A table as one line a row, cells joined by " | ", merged cells once."""
    rows: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


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
