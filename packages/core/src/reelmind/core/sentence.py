"""Sentence embeddings of the packaged all-MiniLM-L6-v2 on ONNX Runtime (no torch at run time).

The model is sentence-transformers' all-MiniLM-L6-v2: BERT, the attention-masked mean of the last
layer, L2-normalised, inputs truncated at 256 tokens. It is exported once to ONNX (manifest entry
``minilm-sentence``: ``python -m reelmind.core.sentence setup``, which ``make setup`` runs; torch +
transformers are needed for that step only) and then embeds with ONNX Runtime and the model's own
``tokenizer.json``: the same vectors as sentence-transformers to ~1e-6, without importing torch,
transformers and sentence-transformers (~6 CPU s) or holding their ~350 MB.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import models
from .errors import MissingDependencyError

log = logging.getLogger("reelmind.core.sentence")

ENTRY = "minilm-sentence"
DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length of all-MiniLM-L6-v2


def export_bert(dest: Path, head: Callable, output: str, what: str) -> Path:
    """Export the packaged MiniLM with ``head(torch, hidden_states, attention_mask) -> (batch, n)`` on
    top to ONNX at ``dest`` (atomic; dynamic batch and token axes). Set-up only: torch + transformers."""
    from .atomic import atomic_path

    src = models.resolve(models.MINILM).path
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise MissingDependencyError(f"torch + transformers (to export {what} once)", "torch==2.13.0 transformers") from None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(src), local_files_only=True).eval()

    class Headed(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            hs = self.m(input_ids=input_ids, attention_mask=attention_mask,
                        token_type_ids=torch.zeros_like(input_ids), output_hidden_states=True).hidden_states
            return head(torch, hs, attention_mask)

    dest.parent.mkdir(parents=True, exist_ok=True)
    ids = torch.tensor([[101, 7592, 2088, 102]])
    with atomic_path(dest) as tmp, torch.no_grad():
        torch.onnx.export(Headed(bert), (ids, torch.ones_like(ids)), str(tmp),
                          input_names=["input_ids", "attention_mask"], output_names=[output],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                        output: {0: "batch"}}, opset_version=17, dynamo=False)
    log.info("exported %s to %s", what, dest)
    return dest


def masked_mean(torch, hidden, attention_mask):
    """Attention-masked mean over tokens, L2-normalised (sentence-transformers' Pooling + Normalize)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    v = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return v / v.norm(dim=-1, keepdim=True).clamp(min=1e-12)


def export(dest: Path | None = None) -> Path:
    """Export the sentence encoder (output ``embedding``: the pooled, normalised last layer)."""
    dest = dest or entry_path()
    return export_bert(dest, lambda torch, hs, mask: masked_mean(torch, hs[-1], mask), "embedding",
                       "the MiniLM sentence encoder")


def entry_path() -> Path:
    return models.models_cache_dir() / models.load_manifest()[ENTRY].source["file"]


class SentenceEncoder:
    """``encode(texts)`` -> float32 (n, 384), L2-normalised; batches of similar length."""

    def __init__(self, path: Path, providers: list[str] | None = None, threads: int = 0) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependencyError(f"{exc.name} (sentence embeddings)", "onnxruntime tokenizers") from None
        self.tok = Tokenizer.from_file(str(models.resolve(models.MINILM).path / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()
        from .runtime import session_options

        self.session = ort.InferenceSession(str(path), sess_options=session_options(threads, spinning=False),
                                            providers=providers or ["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), DIM), np.float32)
        enc = self.tok.encode_batch([str(t) for t in texts])
        order = np.argsort([len(e.ids) for e in enc], kind="stable")
        for a in range(0, len(order), batch_size):
            idx = order[a:a + batch_size]
            width = max(len(enc[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), np.int64)
            mask = np.zeros((len(idx), width), np.int64)
            for row, i in enumerate(idx):
                ids[row, :len(enc[i].ids)] = enc[i].ids
                mask[row, :len(enc[i].ids)] = 1
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


def model_file() -> models.ModelFile:
    """The resolved ONNX export (made here, once, when set-up has not made it yet)."""
    if not entry_path().exists():
        log.warning("exporting the MiniLM sentence encoder to ONNX once (%s)", entry_path())
        export()
    return models.resolve(ENTRY)


def encoder(device: str = "cpu", threads: int = 0) -> SentenceEncoder:
    """The process-wide encoder (exported on first use when set-up has not done it yet)."""
    model_file()
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device.startswith("cuda") else None

    def _make(path: Path) -> SentenceEncoder:
        return SentenceEncoder(path, providers, threads)

    _make.__qualname__ = f"SentenceEncoder[{device}|{threads}]"
    return models.load(ENTRY, _make)


def setup_command(argv: list[str] | None, module: str, path: Path, export_to: Callable[[Path], Path]) -> int:
    """``python -m MODULE setup [--force]``: ``export_to(path)`` unless ``path`` exists (or --force);
    the exit code (2: usage, 1: a one-line error)."""
    from .errors import ReelmindError

    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "setup":
        sys.stderr.write(f"usage: python -m {module} setup [--force]\n")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if path.exists() and "--force" not in args:
            sys.stdout.write(f"{path} (exists)\n")
            return 0
        sys.stdout.write(f"{export_to(path)}\n")
    except ReelmindError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m reelmind.core.sentence setup [--force]``: export the encoder once."""
    return setup_command(argv, "reelmind.core.sentence", entry_path(), export)


if __name__ == "__main__":
    sys.exit(main())
