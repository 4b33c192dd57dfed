"""Server mode's lexical index, in a real PostgreSQL: it ranks and answers like the embedded
engine, it follows every change in the transaction that makes it, a process builds nothing
to answer, and a store upgraded (or a tokeniser changed) is indexed again at start. Only
with `--servers`; the embedded engine is the reference it is compared to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, text

from rag.answer.router import Router
from rag.assistant import Assistant
from rag.scope import Scope
from rag.search import postgres
from rag.search.corpus import Corpus
from rag.search.index import PassageIndex, Snapshots
from rag.search.lexical import LexicalIndex, terms
from rag.search.understand import understand
from rag.store import lexicon
from rag.store.schema import Meta
from tests import backends

OPERATOR = Scope.operator()
QUESTIONS = [
    json.loads(line)["question"] for line in Path("tests/eval/questions.jsonl").read_text("utf-8").splitlines()
]


@pytest.fixture(autouse=True)
def _servers_only() -> None:
    if not isinstance(backends.current, backends.Servers):
        pytest.skip("PostgreSQL's lexical index: run with --servers")


def _embedded(assistant: Assistant) -> PassageIndex:
    """The embedded engine over the same store, built afresh."""
    return Snapshots(assistant.sessions, assistant.units).current()


def _ranking(corpus: Corpus, words: list[str]) -> dict[str, float]:
    """Scores of the top passages, leaving out those tied with the last (either may be kept)."""
    found = corpus.lexical(words, 30, None, True)
    last = found[-1][1] if len(found) == 30 else None
    return {p.id: s for p, s in found if last is None or s > last + 1e-3}


def _frequencies(corpus: Corpus, index: PassageIndex) -> dict[str, int]:
    return corpus.document_frequencies(list(index.index.vocabulary))


def test_both_engines_rank_and_answer_the_sample_questions_alike(assistant: Assistant) -> None:
    served = assistant.corpora.current()
    assert isinstance(served, postgres.PostgresCorpus)
    embedded = _embedded(assistant)
    assert served.size == embedded.size and served.known == embedded.known
    reference = Router(
        assistant.sessions, assistant.units, Snapshots(assistant.sessions, assistant.units), assistant.retriever, 2000
    )
    for question in QUESTIONS:
        words = understand(question, embedded.folded_names, assistant.units).terms
        assert _ranking(served, words) == pytest.approx(_ranking(embedded, words), rel=1e-4), question
        try:
            expected = reference.answer(question, OPERATOR, None)[0]
        except Exception as error:  # a question the engine refuses is refused by both
            with pytest.raises(type(error)):
                assistant.ask(question, OPERATOR)
            continue
        got = assistant.ask(question, OPERATOR)
        assert (got.answer, got.status) == (expected.answer, expected.status), question


def test_the_index_follows_uploads_replacements_and_deletions(corpus_copy: Path, embedder, tmp_path: Path) -> None:
    live = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    notice = tmp_path / "an-binh_2025-11-12_thong-bao.txt"
    first = "THÔNG BÁO\n\nVề sân bóng\n\nSân bóng xã An Bình được nâng cấp với 350 triệu đồng.\n"
    notice.write_text(first, "utf-8")
    assert live.ingest([notice]).added
    notice.write_text("THÔNG BÁO\n\nVề sân bóng\n\nSân bóng xã An Bình được nâng cấp với 420 triệu đồng.\n", "utf-8")
    assert live.ingest([notice]).replaced
    gone = next(d for d in live.documents(OPERATOR) if d.commune == "Phú Trung")
    gone_text = " ".join(p.text for p in live.corpora.current().document_passages(gone.id))
    live.delete(gone.id)
    served, embedded = live.corpora.current(), _embedded(live)
    assert served.size == embedded.size
    with live.sessions() as session:  # the totals kept beside the rows are the rows' own
        count, mean = session.execute(text("SELECT count(*), avg(length) FROM passage_lexicon")).one()
    assert (served.size, served._average) == (count, pytest.approx(float(mean)))
    assert _frequencies(served, embedded) == {t: len(embedded.index.rows_with(t)) for t in embedded.index.vocabulary}
    # The terms of the replaced version and of the deleted document alone count nothing.
    vanished = (set(terms(first)) | set(terms(gone_text))) - set(embedded.index.vocabulary)
    assert vanished and served.document_frequencies(vanished) == {}
    found = served.lexical(understand("Sân bóng nâng cấp bao nhiêu?", [], live.units).terms, 10, None, True)
    assert found and "420 triệu" in found[0][0].text
    assert all(p.document_id != gone.id for p, _ in served.lexical(["phu", "trung", "phu_trung"], 50, None, True))
    assert "420 triệu đồng" in live.ask("Sân bóng xã An Bình được nâng cấp với bao nhiêu tiền?", OPERATOR).answer


def test_replicas_answer_without_building_an_index_and_share_uploads_at_once(
    corpus_copy: Path, embedder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a process built a lexical index in memory")

    monkeypatch.setattr(LexicalIndex, "__init__", refused)
    monkeypatch.setattr(Snapshots, "_rows", refused)
    one, two = (Assistant(backends.settings_for(corpus_copy), embedder=embedder).start() for _ in range(2))
    assert "18,695 tỷ đồng" in one.ask("Hội CCB dư nợ ủy thác bao nhiêu?", OPERATOR).answer
    question = "Sân bóng xã An Bình được nâng cấp với bao nhiêu tiền?"
    assert "350 triệu" not in two.ask(question, OPERATOR).answer
    notice = tmp_path / "an-binh_2025-11-12_thong-bao.txt"
    notice.write_text("THÔNG BÁO\n\nVề sân bóng\n\nSân bóng xã An Bình được nâng cấp với 350 triệu đồng.\n", "utf-8")
    assert one.ingest([notice]).added  # through one replica
    assert "350 triệu đồng" in two.ask(question, OPERATOR).answer  # searchable through the other, at once
    assert not (corpus_copy / "search-snapshot.pickle").exists()


def test_a_store_without_the_index_or_with_another_tokeniser_is_indexed_again(corpus_copy: Path, embedder) -> None:
    first = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    expected = _frequencies(first.corpora.current(), _embedded(first))
    with first.sessions() as session, session.begin():
        session.execute(delete(lexicon.passage_lexicon).where(text("passage_id LIKE '1%' OR passage_id LIKE '5%'")))
        session.merge(Meta(key=lexicon.FINGERPRINT_KEY, value="terms made by older code"))
    first.engine.dispose()
    again = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    served = again.corpora.current()
    assert served.size == _embedded(again).size
    assert _frequencies(served, _embedded(again)) == expected


def test_a_question_of_common_words_is_answered_within_the_postings_budget(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Candidates come through the rarest terms only; the rarest one is always read."""
    monkeypatch.setattr(postgres, "POSTINGS_BUDGET", 1)
    words = understand("Chỉ thị 51-CT/TW nói gì?", [], assistant.units).terms
    found = assistant.corpora.current().lexical(words, 5, None, True)
    assert found and all("51-CT/TW" in p.text for p, _ in found[:3])
