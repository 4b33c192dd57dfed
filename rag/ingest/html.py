"""Word's "Web page" export (.htm/.html): its charset from the meta tag or a BOM, the text of
paragraphs and tables in order, the head, scripts and styles dropped. Standard library only."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from rag.errors import LoadError

_CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def html_text(name: str, data: bytes) -> str:
    text = _decode_html(name, data)
    reader = _HtmlText()
    reader.feed(text)
    reader.close()
    return "\n\n".join(reader.blocks)


def _decode_html(name: str, data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    declared = _CHARSET_RE.search(data[:8192])  # the head, where Word writes it, comes first
    encodings = [declared.group(1).decode("ascii").lower()] if declared else []
    for encoding in [*encodings, "utf-8", "cp1258"]:
        try:
            return data.decode(codecs.lookup(encoding).name)
        except (LookupError, UnicodeDecodeError):
            continue
    raise LoadError(name, "không nhận ra bảng mã của trang web. Hãy mở bằng Word và «Lưu thành» .docx rồi gửi lại.")


class _HtmlText(HTMLParser):
    """The text of a page in reading order: a block a paragraph, heading or list item; a line
    a table as `table_blocks` reads it, as for .docx; scripts, styles and the head dropped."""

    _SKIP = frozenset("head title script style template noscript xml".split())  # <xml>: Word's property islands
    _BLOCK = frozenset("p div h1 h2 h3 h4 h5 h6 li br blockquote pre address dt dd center section article".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._words: list[str] = []  # text since the last block boundary
        self._skip = 0
        self._tables = 0  # nesting depth; rows of nested tables stay inside the outer cell
        self._grid: list[list[list[str]]] = []  # the table being read: rows of cells of paragraphs
        self._row: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._list_marker = False  # inside Word's <![if !supportLists]> … <![endif]>
        self._bullet = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skip = 0  # a head left open ends here
        elif tag in self._SKIP:
            self._skip += 1
        elif tag == "table":
            self._flush()
            self._tables += 1
        elif self._tables == 1 and tag == "tr":
            self._end_row()
            self._row = []
        elif self._tables == 1 and tag in ("td", "th"):
            self._end_cell()
            self._row = [] if self._row is None else self._row  # a cell without its <tr>
            self._cell = []
        elif tag in self._BLOCK:
            self._flush()
            self._bullet = tag == "li"

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "table":
            if self._tables == 1:
                self._end_table()
            self._tables = max(0, self._tables - 1)
        elif self._tables == 1 and tag == "tr":
            self._end_row()
        elif self._tables == 1 and tag in ("td", "th"):
            self._end_cell()
        elif tag in self._BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._list_marker and not any(ch.isalnum() for ch in data):
            self._bullet = self._bullet or bool(data.strip())  # a symbol-font bullet; a number ("1.") stays text
            self._words.append(" ")
            return
        self._words.append(data)

    def unknown_decl(self, data: str) -> None:
        if data.strip().lower().startswith("if !supportlists"):
            self._list_marker = True
        elif data.strip().lower() == "endif":
            self._list_marker = False

    def close(self) -> None:
        super().close()
        self._end_table()
        self._flush()

    def _flush(self) -> None:
        text = " ".join("".join(self._words).split())
        self._words = []
        if text and self._cell is not None:
            self._cell.append(text)
        elif text:
            # A list bullet: Word's list-marker section, or its symbol-font "·" if the parser kept that as text.
            bare = re.sub(r"^[·•\uf0a7\uf0b7]\s+", "", text)
            self.blocks.append(f"- {bare}" if self._bullet or bare != text else text)
        self._bullet = False

    def _end_cell(self) -> None:
        if self._cell is not None:
            self._flush()
            if self._row is not None:
                self._row.append(self._cell)
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            self._grid.append(self._row)
        self._row = None

    def _end_table(self) -> None:
        self._end_row()
        self.blocks.extend(table_blocks(self._grid))
        self._grid = []


def table_blocks(rows: list[list[list[str]]]) -> list[str]:
    """A table's text (rows of cells of paragraphs) as blocks. A layout table (at most two
    columns and two rows, a cell holding several paragraphs: the issuer beside the national
    motto, the recipients beside the signature) is read column by column, a block a paragraph,
    as the eye reads it, so the header and signature parsers see the lines the page shows. Any
    other table is a line a row, cells joined by " | ", a merged cell once (shared with .docx)."""
    grid = [cells for row in rows if (cells := _distinct(row))]
    if not grid:
        return []
    width = max(len(cells) for cells in grid)
    if len(grid) <= 2 and width <= 2 and any(len(cell) > 1 for cells in grid for cell in cells):
        return [paragraph for c in range(width) for cells in grid if c < len(cells) for paragraph in cells[c]]
    return [" | ".join(" ".join(cell) for cell in cells) for cells in grid]


def _distinct(row: list[list[str]]) -> list[list[str]]:
    """A row's non-empty cells, whitespace collapsed; a merged cell, repeated in each column it
    spans, once."""
    cells: list[list[str]] = []
    for raw in row:
        cell = [text for paragraph in raw if (text := " ".join(paragraph.split()))]
        if cell and (not cells or cells[-1] != cell):
            cells.append(cell)
    return cells
