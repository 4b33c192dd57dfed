"""The store across processes, and no traffic leaving the machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.scope import Scope
from rag.search.corpus import Corpus
from rag.search.understand import understand
from tests import backends

OPERATOR = Scope.operator()

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NOTICE = "\n\n".join(
    [
        "THÔNG BÁO",
        "kết luận giao ban tháng 11/2025",
        "I. Nhiệm vụ trọng tâm tháng 12/2025",
        "1. Hội Nông dân",
        "- Vận động 40 hộ chuyển sang trồng cam sành theo tiêu chuẩn VietGAP.",
    ]
)


def _local(host: object) -> bool:
    return str(host).startswith(("127.", "::1", "localhost", "/")) or host in ("", None)


def test_no_outbound_connection_during_ingest_and_ask(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma's anonymized telemetry is off in every client: ingest and ask try no network."""
    attempts: list[object] = []
    real_connect, real_lookup = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: object) -> object:
        if isinstance(address, tuple) and not _local(address[0]):
            attempts.append(address)
            raise OSError("outbound network refused by the test")
        return real_connect(sock, address)  # type: ignore[arg-type]

    def lookup(host: object, *args: object, **kwargs: object) -> object:
        if not _local(host):
            attempts.append(host)
            raise socket.gaierror("name lookup refused by the test")
        return real_lookup(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    assistant = Assistant(backends.settings_for(tmp_path / "d"), embedder=embedder).start()
    assert assistant.ingest([CORPUS / "xuan-hung_2025-09_thong-bao-ket-luan-giao-ban.txt"]).added
    assert not assistant.ask("Ban Xây dựng Đảng tháng 10 phải làm gì?", OPERATOR).abstained
    time.sleep(1.0)  # telemetry clients send from background threads
    assert attempts == []


def test_a_document_ingested_by_another_process_is_searchable_at_once(corpus_copy: Path, embedder) -> None:
    live = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    question = "Hội Nông dân tháng 12 phải làm gì?"
    assert "cam sành" not in live.ask(question, OPERATOR).answer
    notice = corpus_copy.parent / "an-hoa.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    env = backends.env_for(corpus_copy)
    result = subprocess.run(
        [sys.executable, "-m", "trolyxa.cli", "ingest", str(notice)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0 and "Thêm mới: an-hoa.txt" in result.stdout, result.stderr
    answer = live.ask(question, OPERATOR)  # the running assistant notices the change on its next question
    assert "trồng cam sành" in answer.answer


def test_an_index_brought_up_to_date_ranks_like_one_built_afresh(corpus_copy: Path, embedder) -> None:
    """After documents are added and deleted elsewhere, the running assistant updates its index
    by reading only what changed; its answers must not differ from a fresh start's."""
    live = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    live.corpora.current()
    other = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    other.delete(next(d.id for d in other.documents(OPERATOR) if d.commune == "Phú Trung"))
    notice = corpus_copy.parent / "an-hoa.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    assert other.ingest([notice]).added == ["an-hoa.txt"]
    updated, afresh = (
        live.corpora.current(),
        Assistant(backends.settings_for(corpus_copy), embedder=embedder).start().corpora.current(),
    )
    assert updated.size == afresh.size
    for question in ("Hội Nông dân tháng 12 phải làm gì?", "Hội CCB dư nợ ủy thác bao nhiêu?", "Chỉ thị 50 nói gì?"):
        words = understand(question, updated.folded_names, live.units).terms
        assert _ranked(updated, words) == _ranked(afresh, words), question


def _ranked(corpus: Corpus, words: list[str]) -> dict[str, float]:
    return {passage.id: round(score, 4) for passage, score in corpus.lexical(words, 20, None, True)}


def test_doctor_reports_and_repairs(corpus_copy: Path, embedder) -> None:
    assistant = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    healthy = assistant.doctor(repair=False)
    assert healthy["problems"] == []
    doc = assistant.documents(OPERATOR)[0]
    assistant.vectors.delete_document(doc.id)  # vectors lost, as after a Chroma crash
    report = assistant.doctor(repair=False)
    assert any(doc.id in problem for problem in report["problems"])
    assistant.doctor(repair=True)
    assert assistant.doctor(repair=False)["problems"] == []
    assert assistant.vectors.document_ids() == {d.id for d in assistant.documents(OPERATOR)}


def test_two_ingestions_at_once_are_serialised(tmp_path: Path, embedder) -> None:
    """Two processes start on an empty store at once and ingest. With servers they also have
    data directories of their own, as on two hosts: only the database can serialise them."""
    data = tmp_path / "data"
    env = backends.env_for(data)
    second_host = tmp_path / "host-2" if isinstance(backends.current, backends.Servers) else data
    files = [
        CORPUS / "phu-trung_2025-09-04_tin-giao-ban-quy-III.txt",
        CORPUS / "xuan-hung_2025-09_thong-bao-ket-luan-giao-ban.txt",
    ]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "trolyxa.cli", "ingest", str(f)],
            env={**env, "TROLYXA_DATA_DIR": str(host)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f, host in zip(files, [data, second_host], strict=True)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assistant = Assistant(backends.settings_for(data), embedder=embedder).start()
    assert len(assistant.documents(OPERATOR)) == 2 and assistant.doctor()["problems"] == []


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secrets = {"TELEGRAM_BOT_TOKEN": "123456:SECRET-TOKEN-abc", "TROLYXA_LLM_API_KEY": "sk-secret-key-xyz"}
    env = {
        **os.environ,
        "TROLYXA_DATA_DIR": str(data),
        **secrets,
        "TROLYXA_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "TROLYXA_LLM_TIMEOUT": "1",
        "TROLYXA_LLM_RETRIES": "0",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "trolyxa.cli",
            "-v",
            "ingest",
            str(CORPUS / "phu-trung_2025-09-04_tin-giao-ban-quy-III.txt"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    asked = subprocess.run(
        [sys.executable, "-m", "trolyxa.cli", "-v", "ask", "Hội nghị giao ban quý III ngày nào?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert asked.returncode == 0, asked.stderr
    logged = (data / "trolyxa.log").read_text(encoding="utf-8") + asked.stderr + asked.stdout
    assert "LLM unavailable" in logged  # the endpoint was down: logged, answered extractively
    for value in secrets.values():
        assert value not in logged
    from rag.config import Settings as S

    assert "SECRET" not in repr(
        S(telegram_token=secrets["TELEGRAM_BOT_TOKEN"], llm_api_key=secrets["TROLYXA_LLM_API_KEY"])
    )


def test_export_then_import_rebuilds_the_same_installation(corpus_copy: Path, tmp_path: Path, embedder) -> None:
    from sqlalchemy import func, select

    from rag.store import schema as store

    original = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    backup = tmp_path / "sao-luu.jsonl"
    assert original.export(backup, OPERATOR) == 5
    with backup.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    rebuilt = Assistant(backends.settings_for(tmp_path / "moi"), embedder=embedder).start()
    report = rebuilt.import_from(backup)
    assert len(report.added) == 5 and [name for name, _ in report.failed] == ["dòng 6"]
    assert {d.id for d in rebuilt.documents(OPERATOR)} == {d.id for d in original.documents(OPERATOR)}

    def counts(assistant: Assistant) -> list[int]:
        with assistant.sessions() as session:
            return [
                session.scalar(select(func.count()).select_from(t))
                for t in (store.Passage, store.Task, store.DirectiveMention, store.Figure)
            ]

    assert counts(rebuilt) == counts(original)
    question = "Ban Xây dựng Đảng tháng 10 phải làm gì?"
    assert rebuilt.ask(question, OPERATOR).answer == original.ask(question, OPERATOR).answer
