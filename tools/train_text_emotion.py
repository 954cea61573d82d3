#!/usr/bin/env python
"""Train the English text-emotion head shipped as reelmind/perceive/audio/data/text_emotion_en_head.json.

Deterministic, rerunnable by anyone after ``make setup``:

1. read reelmind-eval's ``data/text_en.tsv`` (team-written dialogue lines, split once into
   train / dev / test: see data/PROVENANCE.md);
2. features: the exported MiniLM encoder (``minilm-emotion-encoder``: layers 4-6 mean-pooled);
3. multinomial logistic regression (scikit-learn, lbfgs, no randomness), the inverse
   regularisation C chosen on the dev split from :data:`GRID` (macro-F1; ties -> smaller C);
4. refit on train + dev with that C and write the head (JSON, weights rounded to float32).

The test split is never read here. Usage::

    .venv/bin/python tools/train_text_emotion.py [--out PATH] [--check]

Writing the shipped head also updates its sha256 in onnx_models/manifest.yaml.
``--check`` retrains and compares with the shipped head (predictions on the dev + test lines
must agree; weights within 1e-4) instead of writing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np

GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
VERSION = "en-v2"
OUT = Path(__file__).resolve().parents[1] / "packages/perceive/src/reelmind/perceive/audio/data/text_emotion_en_head.json"


def load_rows() -> tuple[list[dict], str]:
    from reelmind.eval.channels import read_text_set

    path = Path(str(resources.files("reelmind.eval") / "data" / "text_en.tsv"))
    return read_text_set(path, require_split=True), hashlib.sha256(path.read_bytes()).hexdigest()


def fit(X: np.ndarray, y: np.ndarray, C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=10000, tol=1e-8).fit(X, y)


def macro_f1(y_true, y_pred) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro"))


def train(verbose: bool = True, grid: tuple[float, ...] = GRID) -> tuple[dict, dict]:
    from reelmind.core.records import TEXT_EMOTIONS
    from reelmind.perceive.audio.text_emotion import FEATURE_LAYERS, MiniLMFeatures

    rows, data_sha = load_rows()
    rows = [r for r in rows if r["split"] in ("train", "dev")]  # the test split is never read for training
    encoder = MiniLMFeatures()
    X = encoder([r["text"] for r in rows]).astype(np.float64)
    y = np.array([r["label"] for r in rows])
    split = np.array([r["split"] for r in rows])
    tr, dv = split == "train", split == "dev"
    scores = {}
    for C in grid:
        scores[C] = round(macro_f1(y[dv], fit(X[tr], y[tr], C).predict(X[dv])), 4)
        if verbose:
            print(f"C={C:<5} dev macro-F1 {scores[C]:.4f}", file=sys.stderr)
    best = max(grid, key=lambda c: (scores[c], -c))
    model = fit(X[tr | dv], y[tr | dv], best)
    classes = [str(c) for c in model.classes_]
    assert sorted(classes) == sorted(TEXT_EMOTIONS)
    head = {
        "version": VERSION,
        "classes": classes,
        "features": f"all-MiniLM-L6-v2 layers {list(FEATURE_LAYERS)}: masked mean-pool, L2-normalise, average, L2-normalise",
        "encoder_sha256": encoder.file.sha256,
        "trainer": "sklearn LogisticRegression(multinomial, lbfgs, tol=1e-8)",
        "C": best,
        "dev_macro_f1_by_C": {str(k): v for k, v in scores.items()},
        "fit_on": "train + dev",
        "rows": int((tr | dv).sum()),
        "data": "reelmind-eval data/text_en.tsv",
        "data_sha256": data_sha,
        "W": [[float(f"{v:.7g}") for v in np.float32(row)] for row in model.coef_],
        "b": [float(f"{v:.7g}") for v in np.float32(model.intercept_)],
    }
    return head, {"best_C": best, "dev_macro_f1": scores[best]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="compare with the shipped head instead of writing")
    ap.add_argument("--only-shipped-c", action="store_true",
                    help="with --check: fit only the shipped head's C (skips the grid; a quicker reproduction check)")
    args = ap.parse_args(argv)
    grid = GRID
    if args.check and args.only_shipped_c:
        grid = (float(json.loads(args.out.read_text(encoding="utf-8"))["C"]),)
    head, summary = train(grid=grid)
    print(f"chosen C={summary['best_C']} (dev macro-F1 {summary['dev_macro_f1']:.4f} fitted on train only); "
          f"refit on {head['rows']} train+dev lines", file=sys.stderr)
    text = json.dumps(head, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        shipped = json.loads(args.out.read_text(encoding="utf-8"))
        dw = float(np.max(np.abs(np.asarray(shipped["W"]) - np.asarray(head["W"]))))
        same = shipped["classes"] == head["classes"] and shipped["C"] == head["C"] and dw < 1e-4
        if len(grid) == len(GRID):
            same = same and shipped["dev_macro_f1_by_C"] == head["dev_macro_f1_by_C"]
        print(f"max |W - shipped W| = {dw:.2e}; {'matches' if same else 'DIFFERS from'} the shipped head")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode()).hexdigest()
    if args.out == OUT:
        _update_manifest(sha)
    print(f"{args.out}  sha256 {sha}")
    return 0


def _update_manifest(sha: str) -> None:
    """Write the new head's sha256 into onnx_models/manifest.yaml (entry text-emotion-en-head)."""
    import re

    path = Path(__file__).resolve().parents[1] / "onnx_models" / "manifest.yaml"
    text = path.read_text(encoding="utf-8")
    pattern = r"(- name: text-emotion-en-head\n(?:    .*\n)*?    sha256: )[0-9a-f]{64}"
    new, n = re.subn(pattern, lambda m: m.group(1) + sha, text)
    if n != 1:
        raise SystemExit(f"{path}: no sha256 line under text-emotion-en-head to update")
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
