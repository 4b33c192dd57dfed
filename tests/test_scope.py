"""Every read of the engine, given a scope, sees only what that scope may read: another
commune's documents and documents marked MẬT stay out of answers, lists, cards, passages,
figures, unit counts and backups alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.errors import NotFoundError
from rag.scope import Scope
from tests import backends

SECRET = """ĐẢNG ỦY XÃ XUÂN HƯNG
MẬT
Số 99-BC/ĐU
Xuân Hưng, ngày 10 tháng 10 năm 2025
BÁO CÁO
Tình hình an ninh nội bộ quý III/2025

1. Tình hình chung
Trên địa bàn có 7 điểm nóng về an ninh cần theo dõi, thực hiện theo Chỉ thị số 41-CT/TW.

2. Nhiệm vụ
Công an xã tăng cường tuần tra tại 7 điểm nóng trong tháng 10/2025.
"""
ADMIN = Scope.operator()
EVERY_COMMUNE = Scope(None, classified=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder) -> Assistant:
    data = tmp_path_factory.mktemp("scope") / "data"
    backends.copy(corpus_dir, data)
    assistant = Assistant(backends.settings_for(data), embedder=embedder).start()
    secret = data.parent / "an-ninh.txt"
    secret.write_text(SECRET, encoding="utf-8")
    assert assistant.ingest([secret]).added == ["an-ninh.txt"]
    return assistant


@pytest.fixture(scope="module")
def ke_sat(store: Assistant) -> Scope:
    return store.scope_for(["Kè Sắt"], classified=False)


def test_documents_and_passages_follow_the_scope(store: Assistant, ke_sat: Scope) -> None:
    assert {d.commune for d in store.documents(ke_sat)} == {"Kè Sắt"}
    secret = next(d for d in store.documents(ADMIN) if d.classification)
    assert secret.id not in {d.id for d in store.documents(EVERY_COMMUNE)}
    passage = f"{secret.id}-0000"
    assert store.passage(passage, ADMIN) is not None
    assert store.passage(passage, EVERY_COMMUNE) is None
    other = next(d for d in store.documents(ADMIN) if d.commune == "Xuân Hưng" and not d.classification)
    assert store.passage(f"{other.id}-0001", ke_sat) is None


def test_answers_tables_and_cards_follow_the_scope(store: Assistant, ke_sat: Scope) -> None:
    question = "Có bao nhiêu điểm nóng về an ninh?"
    assert "7 điểm nóng" in store.ask(question, ADMIN).answer
    assert "7 điểm nóng" not in store.ask(question, EVERY_COMMUNE).answer
    assert store.tasks("Công an xã", ADMIN)[1]
    assert store.tasks("Công an xã", EVERY_COMMUNE)[1] == []
    assert store.directive("41-CT/TW", ADMIN).mentions
    with pytest.raises(NotFoundError):
        store.directive("41-CT/TW", EVERY_COMMUNE)
    card = store.directive("05-CT/TW", ke_sat)
    assert {m.commune for m in card.mentions} == {"Kè Sắt"}
    _, tasks = store.tasks("Hội Phụ nữ", ke_sat)
    assert tasks and {t.commune for t in tasks} == {"Kè Sắt"}


def test_figures_units_and_backups_follow_the_scope(store: Assistant, ke_sat: Scope, tmp_path: Path) -> None:
    assert {f.commune for f in store.figures(ke_sat)} == {"Kè Sắt"}
    assert not any("điểm nóng" in f.quote for f in store.figures(EVERY_COMMUNE))
    police = {u.name: u.tasks for u in store.units_list(ADMIN)}["Công an xã"]
    assert police > {u.name: u.tasks for u in store.units_list(EVERY_COMMUNE)}["Công an xã"]
    target = tmp_path / "backup.jsonl"
    assert store.export(target, ke_sat) == 1
    assert {json.loads(line)["metadata"]["commune"] for line in target.read_text(encoding="utf-8").splitlines()} == {
        "Kè Sắt"
    }
