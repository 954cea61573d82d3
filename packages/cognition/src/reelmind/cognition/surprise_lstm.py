"""LSTM surprise: a 2-layer LSTM predicts each character's next (valence, arousal).

Surprise of a moment = MSE between the prediction made from the moments before it and what
happened. The model is trained on the film itself (teacher forcing on fixed-length chunks of
every character's sequence) with a fixed seed, deterministic algorithms and one CPU thread,
so the same input gives byte-identical surprises; or it is loaded from a saved state dict.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core import MissingDependencyError, MissingModelError

log = logging.getLogger("reelmind.cognition.surprise_lstm")


@dataclass(frozen=True)
class LSTMOptions:
    hidden: int = 32
    layers: int = 2
    epochs: int = 80
    lr: float = 0.01
    chunk: int = 32  # training chunk length (moments)
    seed: int = 0


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch (for the LSTM surprise model)", "torch==2.13.0 (CPU build)") from None
    return torch


@contextlib.contextmanager
def deterministic_torch(seed: int) -> Iterator[None]:
    """Seeded, deterministic, single-threaded torch; previous settings restored after."""
    torch = _torch()
    threads = torch.get_num_threads()
    det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(det)


def build_model(options: LSTMOptions = LSTMOptions()):
    torch = _torch()
    nn = torch.nn

    class SurpriseLSTM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(2, options.hidden, num_layers=options.layers, batch_first=True)
            self.head = nn.Linear(options.hidden, 2)

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.head(y)

    return SurpriseLSTM()


def _chunks(seqs: list[np.ndarray], chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) chunks of length ``chunk``; short tails are left-padded and masked."""
    xs, ms = [], []
    for s in seqs:
        for a in range(0, len(s) - 1, chunk):
            piece = s[a:a + chunk + 1]
            if len(piece) < 2:
                continue
            pad = chunk + 1 - len(piece)
            xs.append(np.concatenate([np.zeros((pad, 2)), piece]))
            ms.append(np.concatenate([np.zeros(pad), np.ones(len(piece))]))
    return np.asarray(xs, dtype=np.float32), np.asarray(ms, dtype=np.float32)


def train(seqs: list[np.ndarray], options: LSTMOptions = LSTMOptions(),
          progress: Callable[[float, str], None] | None = None):
    """Train on the (valence, arousal) sequences of a film; returns (model, final loss)."""
    torch = _torch()
    with deterministic_torch(options.seed):
        model = build_model(options)
        data, mask = _chunks([s for s in seqs if len(s) >= 2], options.chunk)
        if not len(data):
            return model, math.nan
        x = torch.from_numpy(data[:, :-1])
        y = torch.from_numpy(data[:, 1:])
        m = torch.from_numpy(mask[:, 1:] * mask[:, :-1]).unsqueeze(-1)
        opt = torch.optim.Adam(model.parameters(), lr=options.lr)
        loss_v = math.nan
        for epoch in range(options.epochs):
            opt.zero_grad()
            pred = model(x)
            loss = (((pred - y) ** 2) * m).sum() / (m.sum() * 2)
            loss.backward()
            opt.step()
            loss_v = float(loss.detach())
            if progress and (epoch % 10 == 0 or epoch == options.epochs - 1):
                progress((epoch + 1) / options.epochs, f"LSTM epoch {epoch + 1}/{options.epochs} loss {loss_v:.4f}")
        model.eval()
    log.info("LSTM trained on %d chunks, final loss %.5f", len(data), loss_v)
    return model, loss_v


def surprise(model, seq: np.ndarray, seed: int = 0) -> np.ndarray:
    """Per-moment surprise (MSE of the prediction from the moments before); NaN for the first."""
    torch = _torch()
    out = np.full(len(seq), np.nan)
    if len(seq) < 2:
        return out
    with deterministic_torch(seed), torch.no_grad():
        x = torch.from_numpy(np.asarray(seq[:-1], dtype=np.float32)).unsqueeze(0)
        pred = model(x)[0].numpy().astype(np.float64)
    out[1:] = ((pred - np.asarray(seq[1:], dtype=np.float64)) ** 2).mean(axis=1)
    return out


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """Rank of each finite value among all finite values, 0..1 (ties share the max rank); NaN stays."""
    out = np.full(len(values), np.nan)
    fin = np.isfinite(values)
    v = values[fin]
    if len(v) == 0:
        return out
    s = np.sort(v)
    out[fin] = np.searchsorted(s, v, side="right") / len(v)
    return out


def state_bytes(model) -> bytes:
    torch = _torch()
    buf = io.BytesIO()
    torch.save({k: v.detach().clone() for k, v in model.state_dict().items()}, buf)
    return buf.getvalue()


def weights_digest(model) -> str:
    """sha256 over the parameter values (stable, unlike the pickle container)."""
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def load(path: str | Path, options: LSTMOptions = LSTMOptions()):
    """A model saved by :func:`save` (or any state dict of the same shape)."""
    torch = _torch()
    path = Path(path)
    if not path.is_file():
        raise MissingModelError(f"LSTM weights {path} not found",
                                "point option lstm_weights at a file written by a previous run (analysis/lstm.pt) or leave it empty to train on the film")
    model = build_model(options)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:
        raise MissingModelError(f"LSTM weights {path} do not fit a {options.layers}-layer LSTM with hidden={options.hidden}: {str(exc).splitlines()[0][:160]}",
                                "use weights saved with the same hidden/layers options") from None
    model.eval()
    return model
