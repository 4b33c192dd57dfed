"""From a loaded file to what the store writes: cleaned text, metadata, passages, extracted
knowledge and vectors. Pure: reads nothing from the store and writes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.communes import identity, province_in
from rag.errors import LoadError
from rag.ingest.chunk import Chunk, chunk
from rag.ingest.extract import Extraction, discover_units, extract
from rag.ingest.load import LoadedFile
from rag.ingest.parse import Metadata, apply_override, parse
from rag.search.embed import Embedder
from rag.search.lexical import index_text
from rag.text import clean
from rag.units import UnitRegistry


def document_id(text: str) -> str:
    """Derived from the normalised content: the same text is the same document."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class CleanedFile:
    id: str
    file_name: str
    source: str  # identity for replacement: a new text under the same source replaces the old
    text: str
    ocr: bool


@dataclass(frozen=True)
class PreparedDocument:
    id: str
    file_name: str
    source: str
    text: str
    ocr: bool
    metadata: Metadata
    commune_key: str  # the commune's identity (rag.communes.identity)
    chunks: list[Chunk]
    knowledge: Extraction
    new_units: list[str]  # units found in this document's headings, not yet in the registry
    vectors: np.ndarray  # one row per chunk
    embed_model: str

    def passage_id(self, ordinal: int) -> str:
        return f"{self.id}-{ordinal:04d}"


def cleaned(loaded: LoadedFile) -> CleanedFile:
    """The text as it will be stored and quoted; its hash is the document's id."""
    text = clean(loaded.text)
    if not text.strip():
        raise LoadError(loaded.name, "tệp không có nội dung chữ.")
    return CleanedFile(document_id(text), loaded.name, loaded.name, text, loaded.ocr)


def prepare(file: CleanedFile, overrides: dict[str, Any], units: UnitRegistry, embedder: Embedder) -> PreparedDocument:
    """Parse, chunk, extract and embed one document. Units its headings name join a copy of
    the registry for this document; the caller adds `new_units` to its own."""
    parsed = parse(file.text, file.file_name)
    parsed.metadata = meta = apply_override(parsed.metadata, overrides)
    new_units = discover_units(parsed, units)
    if new_units:
        units = units.copy()
        for name in new_units:
            units.add(name)
    chunks = chunk(parsed, units)
    vectors = embedder.passages([index_text(meta.title, c.section_path, c.text) for c in chunks])
    return PreparedDocument(
        id=file.id,
        file_name=file.file_name,
        source=file.source,
        text=file.text,
        ocr=file.ocr,
        metadata=meta,
        commune_key=identity(meta.commune, province_in(file.text)),
        chunks=chunks,
        knowledge=extract(parsed, chunks, units),
        new_units=new_units,
        vectors=vectors,
        embed_model=embedder.name,
    )
