"""Ingestion embeds no more than it must (issue 16): a corrected document re-embeds only its
changed passages, a text repeated across documents is embedded once, and `reindex` or an
import re-uses the vectors SQL keeps. Real stores (SQLite + embedded Chroma, or PostgreSQL +
a Chroma server with --servers), a real embedder wrapped to count what it embeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from rag.assistant import Assistant
from rag.ingest import prepare
from rag.scope import Scope
from rag.search.embed import HashEmbedder
from rag.store import consistency
from rag.store import schema as store
from tests import backends

OPERATOR = Scope.operator()
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REPORT = "ke-sat_2025_bao-cao-tong-ket-nam-2025.txt"
PARAGRAPH = "Hội vận động hội viên đóng góp 300 triệu đồng"  # in section 2.2, Hội Cựu chiến binh
CORRECTED = "Hội vận động hội viên đóng góp 320 triệu đồng"


class Counting(HashEmbedder):
    """HashEmbedder that counts the passages it embeds, and can be made to fail."""

    def __init__(self, name: str = HashEmbedder.name, fail_after: int | None = None) -> None:
        self.name = name
        self.embedded: list[str] = []
        self.fail_after = fail_after

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not is_query:
            if self.fail_after is not None and len(self.embedded) + len(texts) > self.fail_after:
                raise RuntimeError("the process dies here")
            self.embedded += texts
        return super().embed_batch(texts, is_query)


def _assistant(data: Path, embedder: HashEmbedder) -> Assistant:
    return Assistant(backends.settings_for(data), embedder=embedder).start()


def _stored(assistant: Assistant, document_id: str) -> tuple[list[str], np.ndarray]:
    """(the embedded text of each passage, the vectors SQL keeps), in passage order."""
    with assistant.sessions() as session:
        rows = session.execute(
            select(store.Passage.section_path, store.Passage.text, store.Passage.vector)
            .where(store.Passage.document_id == document_id)
            .order_by(store.Passage.ordinal)
        ).all()
    texts = [prepare.vector_text(path, text) for path, text, _ in rows]
    return texts, np.stack([np.frombuffer(vector, dtype=np.float32) for *_, vector in rows])


def _only(assistant: Assistant) -> str:
    [doc] = assistant.documents(OPERATOR)
    return doc.id


def test_a_one_paragraph_correction_embeds_one_passage(tmp_path: Path) -> None:
    counting = Counting()
    assistant = _assistant(tmp_path / "data", counting)
    path = tmp_path / "in" / REPORT
    path.parent.mkdir()
    shutil.copy(CORPUS / REPORT, path)
    assert assistant.ingest([path]).added == [REPORT]
    first = _only(assistant)
    texts, _ = _stored(assistant, first)
    assert len(counting.embedded) == len(set(texts)) > 20  # each distinct passage text once

    counting.embedded.clear()
    text = path.read_text(encoding="utf-8")
    assert text.count(PARAGRAPH) == 1
    path.write_text(text.replace(PARAGRAPH, CORRECTED), encoding="utf-8")
    assert assistant.ingest([path]).replaced == [REPORT]
    assert len(counting.embedded) == 1 and CORRECTED in counting.embedded[0]

    second = _only(assistant)
    texts, vectors = _stored(assistant, second)
    assert np.array_equal(vectors, HashEmbedder().passages(texts))  # reused vectors are the right ones
    assert assistant.vectors.document_ids() == {second}
    assert assistant.doctor()["problems"] == []
    answer = assistant.ask("Hội CCB vận động hội viên đóng góp bao nhiêu?", OPERATOR)
    assert "320 triệu đồng" in " ".join(p.text for p in answer.passages)


def test_a_text_repeated_across_documents_is_embedded_once(tmp_path: Path) -> None:
    shared = "- Tiếp tục rà soát, cập nhật thông tin đảng viên trên Sổ tay đảng viên điện tử."
    batch = tmp_path / "batch"
    batch.mkdir()
    for slug, commune, number in (
        ("an-hoa", "AN HÒA", 21),
        ("binh-minh", "BÌNH MINH", 22),
        ("cam-giang", "CẨM GIANG", 23),
    ):
        lines = [f"ĐẢNG ỦY XÃ {commune}", f"Số {number}-TB/ĐU", "THÔNG BÁO", "kết luận giao ban tháng 10/2025"]
        lines += ["I. Nhiệm vụ trọng tâm tháng 11/2025", "1. Văn phòng Đảng ủy", shared]
        lines += ["2. Hội Nông dân", f"- Vận động nông dân xây dựng {number} mô hình trồng rau an toàn."]
        (batch / f"{slug}.txt").write_text("\n\n".join(lines), encoding="utf-8")
    counting = Counting()
    assistant = _assistant(tmp_path / "data", counting)
    assert len(assistant.ingest([batch]).added) == 3
    assert sum(shared in text for text in counting.embedded) == 1  # three documents, one embedding
    assert len(counting.embedded) == len(set(counting.embedded))

    later = tmp_path / "later.txt"  # another batch: the store is the cache
    later.write_text((batch / "an-hoa.txt").read_text(encoding="utf-8").replace("21", "24"), encoding="utf-8")
    counting.embedded.clear()
    assert assistant.ingest([later]).added == ["later.txt"]
    assert counting.embedded and not any(shared in text for text in counting.embedded)
    for doc in assistant.documents(OPERATOR):
        texts, vectors = _stored(assistant, doc.id)
        assert np.array_equal(vectors, HashEmbedder().passages(texts))


def test_reindex_reuses_kept_vectors_and_resumes_after_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    counting = Counting()
    assistant = _assistant(data, counting)
    assert len(assistant.ingest([CORPUS]).added) == 5
    total = assistant.vectors.count()
    counting.embedded.clear()
    assert assistant.reindex() == total and counting.embedded == []  # same model, same texts: nothing to do
    assistant.engine.dispose()

    monkeypatch.setattr(consistency, "REBUILD_GROUP", 1)  # commit after each document
    dying = Counting("hash-256-v2", fail_after=total // 2)
    with pytest.raises(RuntimeError):
        _assistant(data, dying).reindex()  # another model; the process dies half-way
    restarted = _assistant(data, Counting("hash-256-v2"))
    with restarted.sessions() as session:
        done = list(session.scalars(select(store.Document.id).where(store.Document.embed_model == "hash-256-v2")))
    kept = {text for doc_id in done for text in _stored(restarted, doc_id)[0]}
    assert done and kept

    resumed = restarted.embedder
    assert isinstance(resumed, Counting)
    assert restarted.reindex() == total
    assert resumed.embedded and not kept & set(resumed.embedded)  # what was committed is not embedded again
    assert restarted.vectors.count() == total and restarted.doctor()["problems"] == []
    with restarted.sessions() as session:
        assert set(session.scalars(select(store.Document.embed_model))) == {"hash-256-v2"}
    for doc in restarted.documents(OPERATOR):
        texts, vectors = _stored(restarted, doc.id)
        assert np.array_equal(vectors, HashEmbedder().passages(texts))


def test_an_import_reuses_the_vectors_of_unchanged_passages(tmp_path: Path) -> None:
    counting = Counting()
    assistant = _assistant(tmp_path / "data", counting)
    assistant.ingest([CORPUS / REPORT])
    backup = tmp_path / "backup.jsonl"
    assert assistant.export(backup, OPERATOR) == 1
    corrected = backup.read_text(encoding="utf-8").replace(PARAGRAPH, CORRECTED)  # a newer version elsewhere
    backup.write_text(corrected, encoding="utf-8")

    counting.embedded.clear()
    assert assistant.import_from(backup).replaced == [REPORT]
    assert len(counting.embedded) == 1 and CORRECTED in counting.embedded[0]
    texts, vectors = _stored(assistant, _only(assistant))
    assert np.array_equal(vectors, HashEmbedder().passages(texts))


def test_a_batch_decides_each_file_after_the_one_before(tmp_path: Path) -> None:
    """Files are analysed while the one before is embedded; what a file is must not change."""
    batch = tmp_path / "batch"
    batch.mkdir()
    text = (CORPUS / "binh-lu_2025-09-23_thong-bao-hoi-nghi-bch-lan-2.md").read_text(encoding="utf-8")
    (batch / "a.md").write_text(text, encoding="utf-8")
    (batch / "b.md").write_text(text, encoding="utf-8")  # the same text under another name
    (batch / "c.txt").write_bytes(b"")  # a bad file between good ones
    shutil.copy(CORPUS / REPORT, batch / "d.txt")
    counting = Counting()
    assistant = _assistant(tmp_path / "data", counting)
    report = assistant.ingest([batch])
    assert (report.added, report.unchanged, [name for name, _ in report.failed]) == (
        ["a.md", "d.txt"],
        ["b.md"],
        ["c.txt"],
    )
    assert len(assistant.documents(OPERATOR)) == 2 and assistant.doctor()["problems"] == []


def test_two_files_that_would_replace_one_version_are_decided_in_order(tmp_path: Path) -> None:
    """A store from when sources were bare names: `x.txt` is replaced by the first of
    `a/x.txt`, `b/x.txt` (same commune); the second, analysed while the first was embedded,
    is a document of its own, as if the files had been ingested one after the other."""
    text = (CORPUS / "binh-lu_2025-09-23_thong-bao-hoi-nghi-bch-lan-2.md").read_text(encoding="utf-8")
    (tmp_path / "x.txt").write_text(text, encoding="utf-8")
    assistant = _assistant(tmp_path / "data", Counting())
    assert assistant.ingest([tmp_path / "x.txt"]).added == ["x.txt"]
    batch = tmp_path / "batch"
    for folder, extra in (("a", "Bổ sung một."), ("b", "Bổ sung hai.")):
        (batch / folder).mkdir(parents=True)
        (batch / folder / "x.txt").write_text(f"{text}\n\n{extra}\n", encoding="utf-8")
    report = assistant.ingest([batch])
    assert (report.replaced, report.added) == (["x.txt"], ["x.txt"])
    assert len(assistant.documents(OPERATOR)) == 2 and assistant.doctor()["problems"] == []
