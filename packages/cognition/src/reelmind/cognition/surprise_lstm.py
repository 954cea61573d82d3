"""LSTM surprise: a 2-layer LSTM predicts each character's next (valence, arousal).

Surprise of a moment = MSE between the prediction made from the moments before it and what
happened. The model is trained on the film itself (teacher forcing on fixed-length chunks of
every character's sequence) with a fixed seed and one CPU thread,
so the same input gives byte-identical surprises; or it is loaded from saved weights. Weights
travel as safetensors bytes (never a pickle): the moments stage keeps them in its table meta and
publishes ``moments/lstm.safetensors``, which option ``lstm.weights`` can load in a later run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core import MissingDependencyError, MissingModelError
from reelmind.core.stage import file_option

log = logging.getLogger("reelmind.cognition.surprise_lstm")


@dataclass(frozen=True)
class LSTMOptions:
    enabled: bool = True
    weights: str | None = file_option(None)  # load these (.safetensors, or a state-dict .pt) instead of training on the film
    hidden: int = 32
    layers: int = 2
    epochs: int = 80
    lr: float = 0.01
    chunk: int = 32  # training chunk length (moments)
    seed: int = 0


def require_torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch (for the LSTM surprise model)", "torch==2.13.0 (CPU build)") from None
    return torch


@contextlib.contextmanager
def deterministic_torch(seed: int) -> Iterator[None]:
    """Seeded, single-threaded CPU torch; the previous thread count restored after.

    The model lives on the CPU, where the LSTM, linear and Adam kernels are deterministic at one
    thread, so ``torch.use_deterministic_algorithms`` (which also imports TorchInductor's config:
    ~1.6 CPU s a process) is not needed; ``test_surprise_is_byte_identical`` checks the claim.
    """
    torch = require_torch()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def build_model(options: LSTMOptions = LSTMOptions()):
    torch = require_torch()
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


def adam(params: list, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> Callable[[], None]:
    """One Adam step per call over ``params`` (their ``.grad``): the same arithmetic, in the same
    order, as ``torch.optim.Adam``'s single-tensor update that it runs for CPU tensors (no weight
    decay, amsgrad or maximize), so the weights come out bit for bit equal
    (``test_adam_step_equals_torch_optim_adam``). Written out because constructing
    ``torch.optim.Adam`` imports TorchDynamo: ~1.5 CPU s a process, on the run's serial path."""
    torch = require_torch()
    beta1, beta2 = betas
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    count = [0]

    def step() -> None:
        count[0] += 1
        n = float(count[0])
        bias1, bias2_sqrt = 1 - beta1 ** n, (1 - beta2 ** n) ** 0.5
        with torch.no_grad():
            for p, (avg, avg_sq) in zip(params, moments):
                if p.grad is None:
                    continue
                avg.lerp_(p.grad, 1 - beta1)
                avg_sq.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                p.addcdiv_(avg, (avg_sq.sqrt() / bias2_sqrt).add_(eps), value=-(lr / bias1))

    return step


def train(seqs: list[np.ndarray], options: LSTMOptions = LSTMOptions(),
          progress: Callable[[float, str], None] | None = None):
    """Train on the (valence, arousal) sequences of a film; returns (model, final loss)."""
    torch = require_torch()
    with deterministic_torch(options.seed):
        model = build_model(options)
        data, mask = _chunks([s for s in seqs if len(s) >= 2], options.chunk)
        if not len(data):
            return model, math.nan
        x = torch.from_numpy(data[:, :-1])
        y = torch.from_numpy(data[:, 1:])
        m = torch.from_numpy(mask[:, 1:] * mask[:, :-1]).unsqueeze(-1)
        step = adam(list(model.parameters()), lr=options.lr)
        loss_v = math.nan
        for epoch in range(options.epochs):
            for p in model.parameters():
                p.grad = None
            pred = model(x)
            loss = (((pred - y) ** 2) * m).sum() / (m.sum() * 2)
            loss.backward()
            step()
            loss_v = float(loss.detach())
            if progress and (epoch % 10 == 0 or epoch == options.epochs - 1):
                progress((epoch + 1) / options.epochs, f"LSTM epoch {epoch + 1}/{options.epochs} loss {loss_v:.4f}")
        model.eval()
    log.info("LSTM trained on %d chunks, final loss %.5f", len(data), loss_v)
    return model, loss_v


def surprise(model, seq: np.ndarray, seed: int = 0) -> np.ndarray:
    """Per-moment surprise (MSE of the prediction from the moments before); NaN for the first."""
    torch = require_torch()
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
    """The model's weights as safetensors bytes (deterministic: sorted names, raw float32)."""
    from safetensors.numpy import save

    return save({k: v.detach().cpu().numpy() for k, v in sorted(model.state_dict().items())})


def weights_digest(model) -> str:
    """sha256 over the parameter values."""
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def _fit(state: dict, options: LSTMOptions, what: str):
    torch = require_torch()
    model = build_model(options)
    try:
        model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    except Exception as exc:
        raise MissingModelError(f"LSTM weights {what} do not fit a {options.layers}-layer LSTM with hidden={options.hidden}: "
                                f"{str(exc).splitlines()[0][:160]}", "use weights saved with the same hidden/layers options") from None
    model.eval()
    return model


def from_bytes(data: bytes, options: LSTMOptions = LSTMOptions()):
    """A model from :func:`state_bytes`."""
    from safetensors.numpy import load as load_st

    return _fit(load_st(data), options, "(bytes)")


def load(path: str | Path, options: LSTMOptions = LSTMOptions()):
    """A model from a ``.safetensors`` file (as published by the moments stage) or a state-dict ``.pt``
    (read with ``weights_only=True``: no code in a weight file ever runs)."""
    torch = require_torch()
    path = Path(path)
    if not path.is_file():
        raise MissingModelError(f"LSTM weights {path} not found",
                                "point option lstm.weights at moments/lstm.safetensors of a previous run, or leave it empty to train on the film")
    try:
        if path.suffix == ".safetensors":
            from safetensors.numpy import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise MissingModelError(f"LSTM weights {path} are unreadable: {str(exc).splitlines()[0][:160]}",
                                "use moments/lstm.safetensors of a previous run") from None
    return _fit(dict(state), options, str(path))
