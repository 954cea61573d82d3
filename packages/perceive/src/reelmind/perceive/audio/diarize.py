"""Diarization: one speaker embedding per utterance, clustered with an automatic speaker count.

Default embeddings: resemblyzer's GE2E voice encoder (256-D, ``pretrained.pt`` ships in the
wheel, CPU torch). Backend for user-supplied weights: pyannote's embedding model. The number
of speakers is chosen in ``[min_speakers, max_speakers]`` by the silhouette of agglomerative
clusterings on cosine distance; a film whose utterances are all close to each other (max
distance under ``single_speaker_distance``) is one speaker, and clusters whose centroids are
closer than ``merge_distance`` are one speaker (flite voices: same voice <= 0.17, different
voices >= 0.33 on resemblyzer).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Protocol

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError

from .extract import SAMPLE_RATE
from .options import unknown_backend

log = logging.getLogger("reelmind.perceive.audio.diarize")


class SpeakerEmbedder(Protocol):
    name: str
    dim: int

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """A unit-norm embedding of one 16 kHz utterance."""


def resemblyzer_weights() -> Path:
    from .models import package_file

    path = package_file("resemblyzer", "resemblyzer/pretrained.pt")
    if path is None:
        raise MissingModelError("resemblyzer's pretrained.pt is not installed",
                                "pip install --no-deps resemblyzer && pip install webrtcvad-wheels librosa")
    return path


class ResemblyzerEmbedder:
    """GE2E speaker encoder from resemblyzer (weights loaded from the installed wheel)."""

    name = "resemblyzer"
    dim = 256

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._enc = None

    @property
    def encoder(self):
        if self._enc is None:
            try:
                from resemblyzer import VoiceEncoder
            except ImportError:
                raise MissingDependencyError("resemblyzer", "--no-deps resemblyzer webrtcvad-wheels librosa") from None
            self._enc = VoiceEncoder(self.device, verbose=False, weights_fpath=resemblyzer_weights())
        return self._enc

    def embed(self, audio: np.ndarray) -> np.ndarray:
        wav = np.asarray(audio, dtype=np.float32)
        peak = float(np.max(np.abs(wav))) if wav.size else 0.0
        if peak > 0:
            wav = wav / peak * 0.9  # level-independent
        if wav.size < SAMPLE_RATE // 2:  # the encoder needs ~0.5 s: repeat very short utterances
            wav = np.tile(wav, int(np.ceil(SAMPLE_RATE / 2 / max(1, wav.size))) + 1)
        emb = self.encoder.embed_utterance(wav)
        return emb / (np.linalg.norm(emb) + 1e-9)


#: pyannote.audio 4 needs torchaudio + torchcodec (no CPU-only build here): a separate environment
PYANNOTE_FIX = ("pyannote.audio in a full-stack environment with torchaudio and torchcodec "
                "(or use diarization: resemblyzer)")


class PyannoteEmbedder:
    """pyannote's speaker embedding on the user's local checkpoint (``pytorch_model.bin``)."""

    name = "pyannote"

    def __init__(self, model_path: str, device: str = "cpu") -> None:
        try:
            from pyannote.audio import Inference, Model
        except ImportError as exc:  # pyannote.audio 4 imports torchaudio (and torchcodec) at import time
            missing = exc.name or "pyannote.audio"
            what = "pyannote.audio (the pyannote diarization backend)" if missing.startswith("pyannote") else \
                f"{missing} (needed by pyannote.audio, the pyannote diarization backend)"
            raise MissingDependencyError(what, PYANNOTE_FIX) from None
        if not model_path or not Path(model_path).exists():
            raise MissingModelError("the pyannote backend needs a local embedding checkpoint",
                                    "set diarization_model to the path of e.g. pyannote/wespeaker-voxceleb-resnet34-LM")
        self._inf = Inference(Model.from_pretrained(model_path), window="whole", device=device)
        self.dim = 0

    def embed(self, audio: np.ndarray) -> np.ndarray:
        import torch

        emb = np.asarray(self._inf({"waveform": torch.from_numpy(audio[None].astype(np.float32)),
                                    "sample_rate": SAMPLE_RATE})).reshape(-1)
        self.dim = emb.size
        return emb / (np.linalg.norm(emb) + 1e-9)


@functools.lru_cache(maxsize=1)
def _resemblyzer() -> ResemblyzerEmbedder:
    return ResemblyzerEmbedder()


def make_embedder(options) -> SpeakerEmbedder | None:
    if options.diarization == "none":
        return None
    if options.diarization == "resemblyzer":
        return _resemblyzer()
    if options.diarization == "pyannote":
        return PyannoteEmbedder(options.diarization_model)
    raise unknown_backend("diarization", options.diarization, "resemblyzer, pyannote, none")


def cluster_speakers(
    emb: np.ndarray,
    min_speakers: int = 1,
    max_speakers: int = 5,
    single_speaker_distance: float = 0.35,
    weights: np.ndarray | None = None,
    merge_distance: float = 0.25,
) -> np.ndarray:
    """Speaker label per row of ``emb`` (unit vectors), 0..k-1 ordered by first appearance.

    After the silhouette choice, clusters whose centroids are closer than ``merge_distance``
    (cosine) are merged, closest first, while more than ``min_speakers`` remain: the silhouette
    alone splits one voice when some of its utterances are near-duplicates.
    """
    n = len(emb)
    if n == 0:
        return np.zeros(0, np.int64)
    if n == 1:
        return np.zeros(1, np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    emb = np.asarray(emb, dtype=np.float64)
    dist = np.clip(pdist(emb, metric="cosine"), 0, 2)
    lo, hi = max(1, min_speakers), max(1, min(max_speakers, n))
    if lo == 1 and dist.max() < single_speaker_distance:
        return np.zeros(n, np.int64)
    tree = linkage(dist, method="average")
    square = squareform(dist)
    best, best_score = np.zeros(n, np.int64), -np.inf
    for k in range(max(2, lo), hi + 1):
        labels = fcluster(tree, k, criterion="maxclust") - 1
        if len(np.unique(labels)) < 2:
            continue
        score = _silhouette(square, labels, weights)
        if score > best_score:
            best, best_score = labels, score
    if lo == 1 and best_score < 0.1:  # no clustering is convincingly better than one speaker
        best = np.zeros(n, np.int64)
    best = _merge_close(emb, best, merge_distance, lo)
    _, first = np.unique(best, return_index=True)
    order = np.argsort(np.argsort(first))
    return order[best].astype(np.int64)


def _merge_close(emb: np.ndarray, labels: np.ndarray, merge_distance: float, min_k: int) -> np.ndarray:
    labels = np.unique(labels, return_inverse=True)[1]
    while labels.max() + 1 > max(1, min_k):
        cents = centroids(emb, labels).astype(np.float64)
        d = 1.0 - cents @ cents.T
        np.fill_diagonal(d, np.inf)
        i, j = np.unravel_index(int(np.argmin(d)), d.shape)
        if d[i, j] >= merge_distance:
            break
        labels = np.unique(np.where(labels == max(i, j), min(i, j), labels), return_inverse=True)[1]
    return labels


def _silhouette(square: np.ndarray, labels: np.ndarray, weights: np.ndarray | None) -> float:
    """Mean silhouette (optionally weighted, e.g. by utterance duration) on a distance matrix."""
    n = len(labels)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    s = np.zeros(n)
    for i in range(n):
        same = labels == labels[i]
        same[i] = False
        if not same.any():
            continue
        a = np.average(square[i, same], weights=w[same])
        b = min(np.average(square[i, labels == c], weights=w[labels == c]) for c in np.unique(labels) if c != labels[i])
        s[i] = (b - a) / max(a, b, 1e-9)
    return float(np.average(s, weights=w))


def centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-norm mean embedding of every label 0..k-1."""
    k = int(labels.max()) + 1 if len(labels) else 0
    out = np.zeros((k, emb.shape[1]), np.float32)
    for c in range(k):
        m = emb[labels == c].mean(axis=0)
        out[c] = m / (np.linalg.norm(m) + 1e-9)
    return out
