"""``reelmind microexpr train``: features of an annotated data set, a dual-stream recogniser trained
with leave-one-subject-out (LOSO) evaluation (UF1 / UAR pooled over folds), then one model trained on
every subject and exported to ONNX (with its classes and flow backend in the metadata).

The network (Mimicking-Annotation style, small enough for a CPU): the input (apex grey crop,
onset->apex and offset->apex flow magnitudes) is split into the eyes half and the mouth half; one
shared convolutional stem embeds both halves; each half has its own linear head; the logits are summed.
No pretrained weights exist for it (no ImageNet backbone ships in any registry package).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.errors import DataFileError, MissingDependencyError

from .datasets import Sample

log = logging.getLogger("reelmind.microexpr.train")


@dataclass
class TrainConfig:
    epochs: int = 40
    lr: float = 3e-3
    batch: int = 16
    width: int = 16  # channels of the stem's first layer
    seed: int = 0
    flow: str = "tvl1"


@dataclass
class TrainReport:
    layout: str
    samples: int
    subjects: int
    classes: list[str]
    uf1: float
    uar: float
    per_class: dict
    folds: list[dict] = field(default_factory=list)
    synthetic: bool = False
    onnx: str = ""
    flow: str = "tvl1"


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("PyTorch (CPU) for training", "torch==2.13.0  (or reelmind-microexpr[train])") from None
    return torch


def sample_features(samples: list[Sample], flow_name: str, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(N, 3, S, S) recogniser inputs: the three frames aligned on the face found in the apex frame."""
    import cv2

    from .align import Aligner
    from .features import features
    from .flow import make
    from .synth import detect_face

    aligner, flow = Aligner(), make(flow_name)
    out = []
    for i, s in enumerate(samples):
        grays = []
        for p in (s.onset, s.apex, s.offset):
            img = cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)
            if img is None:
                raise DataFileError(f"{p}: not a readable image (clip {s.clip})")
            grays.append(img)
        box = detect_face(grays[1])
        if box is None:
            h, w = grays[1].shape
            box = np.array([0.1 * w, 0.1 * h, 0.9 * w, 0.9 * h])  # cropped data sets: the face fills the frame
        crops = [aligner.align(g, box).crop for g in grays]
        out.append(features(crops[0], crops[1], crops[2], flow))
        if progress:
            progress(i + 1, len(samples))
    return np.stack(out).astype(np.float32)


def build_model(classes: int, width: int = 16):
    """The dual-stream network (torch.nn.Module): shared stem over the eyes / mouth halves, summed heads."""
    torch = _torch()
    nn = torch.nn

    class DualStream(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            w = width
            self.stem = nn.Sequential(
                nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.BatchNorm2d(4 * w), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                nn.Flatten(), nn.Dropout(0.2))
            self.eyes = nn.Linear(4 * w, classes)
            self.mouth = nn.Linear(4 * w, classes)

        def forward(self, x):
            h = x.shape[2] // 2
            return self.eyes(self.stem(x[:, :, :h])) + self.mouth(self.stem(x[:, :, h:]))

    return DualStream()


def fit(x: np.ndarray, y: np.ndarray, classes: int, cfg: TrainConfig):
    """Train on (x, y) with class-balanced cross-entropy and flip augmentation; returns the model (eval mode)."""
    torch = _torch()
    torch.manual_seed(cfg.seed)
    model = build_model(classes, cfg.width)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-3)
    counts = np.bincount(y, minlength=classes).astype(np.float32)
    weight = torch.tensor(counts.sum() / np.maximum(counts, 1) / classes)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    for _ in range(cfg.epochs):
        order = torch.randperm(len(xt), generator=gen)
        for b in range(0, len(xt), cfg.batch):
            idx = order[b: b + cfg.batch]
            if len(idx) < 2:
                continue
            xb = xt[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            opt.zero_grad()
            loss = loss_fn(model(xb), yt[idx])
            loss.backward()
            opt.step()
    return model.eval()


def predict(model, x: np.ndarray) -> np.ndarray:
    torch = _torch()
    with torch.no_grad():
        return model(torch.from_numpy(x)).argmax(1).numpy()


def export_onnx(model, path: Path, meta: dict) -> Path:
    """ONNX export (input ``input`` N x 3 x S x S, output ``logits``) with the reelmind metadata."""
    import onnx

    from .features import SIZE

    torch = _torch()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), str(path), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False)
    proto = onnx.load(str(path))
    entry = proto.metadata_props.add()
    entry.key, entry.value = "reelmind.microexpr", json.dumps(meta)
    onnx.save(proto, str(path))
    return path


def train(root: str | Path, layout: str, out: str | Path, cfg: TrainConfig | None = None,
          classes: list[str] | None = None, progress: Callable[[str], None] | None = None) -> TrainReport:
    """LOSO evaluation + final ONNX export (see the module docstring)."""
    from .datasets import load
    from .evaluate import uf1_uar

    cfg = cfg or TrainConfig()
    say = progress or (lambda msg: None)
    root = Path(root)
    samples = load(root, layout)
    if classes:
        keep = {c.lower() for c in classes}
        samples = [s for s in samples if s.emotion in keep]
    names = sorted({s.emotion for s in samples})
    subjects = sorted({s.subject for s in samples})
    if len(names) < 2:
        raise DataFileError(f"{root}: need at least 2 emotion classes, found {names}")
    if len(subjects) < 2:
        raise DataFileError(f"{root}: LOSO needs at least 2 subjects, found {subjects}")
    synthetic = (root / "README_SYNTHETIC.txt").exists()
    say(f"{len(samples)} clips, {len(subjects)} subjects, classes {names}{' (SYNTHETIC data)' if synthetic else ''}")
    x = sample_features(samples, cfg.flow)
    y = np.array([names.index(s.emotion) for s in samples])
    subj = np.array([s.subject for s in samples])
    pooled_true, pooled_pred, folds = [], [], []
    for s in subjects:
        test = subj == s
        model = fit(x[~test], y[~test], len(names), cfg)
        pred = predict(model, x[test])
        pooled_true += [names[i] for i in y[test]]
        pooled_pred += [names[i] for i in pred]
        folds.append({"subject": s, "n": int(test.sum()), "accuracy": round(float(np.mean(pred == y[test])), 4)})
        say(f"fold {s}: {folds[-1]['accuracy']:.3f} on {folds[-1]['n']} clips")
    uf1, uar, per = uf1_uar(pooled_true, pooled_pred, names)
    final = fit(x, y, len(names), cfg)
    out = Path(out)
    meta = {"classes": names, "flow": cfg.flow, "layout": layout, "synthetic": synthetic, "loso_uf1": round(uf1, 4),
            "loso_uar": round(uar, 4), "samples": len(samples), "subjects": len(subjects), "config": asdict(cfg)}
    export_onnx(final, out, meta)
    report = TrainReport(layout, len(samples), len(subjects), names, round(uf1, 4), round(uar, 4), per, folds, synthetic,
                         str(out), cfg.flow)
    out.with_suffix(".json").write_text(json.dumps(asdict(report), indent=1))
    return report
