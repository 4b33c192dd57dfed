"""Dense search inside a commune's scope (rag.search.scoped): exact over the vectors SQL keeps,
it must find what the vector store's filtered search finds, see what a new upload adds, and
leave to the vector store the scopes it cannot hold. Real SQL and a real Chroma (embedded, or
servers with --servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.scope import Scope
from rag.search.embed import Embedder
from rag.search.scoped import ScopedVectors
from tests import backends

OPERATOR = Scope.operator()
QUESTIONS = [
    "Ban Xây dựng Đảng tháng 10 phải làm gì?",
    "Đảng bộ xã có bao nhiêu đảng viên?",
    "Hội nghị giao ban quý III kết luận gì?",
    "bà con góp bao nhiêu tiền làm đường",
    "Chỉ thị 50-CT/TW nói gì?",
]


def _communes(assistant: Assistant) -> list[str]:
    return sorted({key for key, _ in assistant.corpora.current().known})


def test_a_communes_passages_are_found_as_the_vector_store_finds_them(assistant: Assistant) -> None:
    scoped = ScopedVectors(assistant.sessions, assistant.vectors.model)
    generation = assistant.corpora.current().generation
    communes = _communes(assistant)
    assert len(communes) >= 5
    for commune in communes:
        for question in QUESTIONS:
            vector = assistant.embedder.query(question)
            exact = scoped.search(generation, [commune], True, vector, 10)
            indexed = assistant.vectors.query(vector, 10, {"commune_key": {"$in": [commune]}})
            assert exact is not None and exact, commune
            assert [h.passage_id for h in exact] == [h.passage_id for h in indexed]
            assert [h.similarity for h in exact] == pytest.approx([h.similarity for h in indexed], abs=1e-4)
    both = scoped.search(generation, communes[:2], True, assistant.embedder.query(QUESTIONS[0]), 50)
    assert both is not None and {h.passage_id for h in both} == {
        h.passage_id
        for h in assistant.vectors.query(
            assistant.embedder.query(QUESTIONS[0]), 50, {"commune_key": {"$in": communes[:2]}}
        )
    }


def test_a_scope_too_large_is_left_to_the_vector_store(assistant: Assistant) -> None:
    scoped = ScopedVectors(assistant.sessions, assistant.vectors.model, limit=1)
    generation = assistant.corpora.current().generation
    assert scoped.search(generation, _communes(assistant)[:1], True, assistant.embedder.query("đảng viên"), 5) is None
    other_model = ScopedVectors(assistant.sessions, "another-model")
    assert other_model.search(generation, _communes(assistant)[:1], True, assistant.embedder.query("x"), 5) is None


def test_an_upload_is_searched_at_once(corpus_copy: Path, embedder: Embedder, tmp_path: Path) -> None:
    assistant = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    scoped = assistant.retriever.scoped
    assert scoped is not None
    commune = next(k for k, name in assistant.corpora.current().known if name == "Xuân Hưng")
    question = "Xuân Hưng tổ chức lễ hội đua thuyền truyền thống vào ngày nào?"
    vector = embedder.query(question)
    before = scoped.search(assistant.corpora.current().generation, [commune], True, vector, 5)
    assert before and all("đua thuyền" not in assistant.passage(h.passage_id, OPERATOR).text for h in before)
    source = tmp_path / "xuan-hung_2025-10_tin-le-hoi.txt"
    source.write_text(
        "ĐẢNG ỦY XÃ XUÂN HƯNG\n\nTIN HOẠT ĐỘNG\n\nNgày 20/10/2025, xã Xuân Hưng tổ chức lễ hội đua thuyền "
        "truyền thống trên sông Mã với 12 đội thuyền tham gia.\n",
        encoding="utf-8",
    )
    assert not assistant.ingest([source]).failed
    after = scoped.search(assistant.corpora.current().generation, [commune], True, vector, 5)
    assert after and "đua thuyền" in assistant.passage(after[0].passage_id, OPERATOR).text
    answer = assistant.ask(question, OPERATOR, commune="Xuân Hưng")
    assert "đua thuyền" in answer.passages[0].text and not answer.abstained
