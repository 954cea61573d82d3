"""Recipe: DeepFace's facial-expression model (weights-only ``facial_expression_model_weights.h5``,
user-supplied) -> ONNX for reelmind's ``emotion: onnx`` backend, with h5py + onnx (no TensorFlow).

The file holds weights only; the architecture below is DeepFace's (``Emotion.py``: 48x48x1 input,
Conv 64@5 / MaxPool 5 s2 / Conv 64@3 x2 / AvgPool 3 s2 / Conv 128@3 x2 / AvgPool 3 s2 / Dense 1024 x2
/ Dense 7 softmax). Weight-bearing layers are matched to the file's layers in order.

    .venv/bin/python onnx_models/deepface_emotion/convert_deepface_emotion.py facial_expression_model_weights.h5 ~/.cache/reelmind/models/deepface_emotion.onnx
    # then: stages.faces.emotion: onnx, stages.faces.emotion_model: ~/.cache/reelmind/models/deepface_emotion.onnx

``--random OUT.h5`` writes a weights-only file of the same layout with random weights (tests).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

#: (Keras class, config) in order; None names are filled from the weights file / generated
ARCHITECTURE = [
    ("Conv2D", {"filters": 64, "kernel_size": [5, 5], "strides": [1, 1], "padding": "valid", "activation": "relu",
                "batch_input_shape": [None, 48, 48, 1]}),
    ("MaxPooling2D", {"pool_size": [5, 5], "strides": [2, 2], "padding": "valid"}),
    ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu"}),
    ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu"}),
    ("AveragePooling2D", {"pool_size": [3, 3], "strides": [2, 2], "padding": "valid"}),
    ("Conv2D", {"filters": 128, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu"}),
    ("Conv2D", {"filters": 128, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu"}),
    ("AveragePooling2D", {"pool_size": [3, 3], "strides": [2, 2], "padding": "valid"}),
    ("Flatten", {}),
    ("Dense", {"units": 1024, "activation": "relu"}),
    ("Dropout", {"rate": 0.2}),
    ("Dense", {"units": 1024, "activation": "relu"}),
    ("Dropout", {"rate": 0.2}),
    ("Dense", {"units": 7, "activation": "softmax"}),
]
WEIGHTED = ("Conv2D", "Dense")


def weight_layer_names(path: str | Path) -> list[str]:
    """Names of the layers that hold weights, in file order."""
    import h5py

    with h5py.File(path, "r") as fh:
        root = fh["model_weights"] if "model_weights" in fh else fh
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in root.attrs.get("layer_names", list(root.keys()))]
        return [n for n in names if n in root and len(root[n].attrs.get("weight_names", [])) > 0]


def model_config(names: list[str]) -> dict:
    """A Keras Sequential config of :data:`ARCHITECTURE` whose weighted layers carry ``names``."""
    want = sum(kind in WEIGHTED for kind, _ in ARCHITECTURE)
    if len(names) != want:
        raise SystemExit(f"expected {want} weighted layers (DeepFace emotion model), the file has {len(names)}: {names}")
    it = iter(names)
    layers = []
    for i, (kind, cfg) in enumerate(ARCHITECTURE):
        name = next(it) if kind in WEIGHTED else f"{kind.lower()}_{i}"
        layers.append({"class_name": kind, "config": {**cfg, "name": name}})
    return {"class_name": "Sequential", "config": {"name": "deepface_emotion", "layers": layers}}


def write_random(path: str | Path, seed: int = 0) -> Path:
    """A weights-only Keras-layout h5 of the DeepFace emotion model with random weights."""
    import h5py

    rng = np.random.default_rng(seed)
    shapes, ch, size, names = [], 1, 48, []
    for i, (kind, cfg) in enumerate(ARCHITECTURE):
        name = f"{kind.lower()}_{i + 1}"
        if kind == "Conv2D":
            k = cfg["kernel_size"][0]
            shapes.append((name, {"kernel": (k, k, ch, cfg["filters"]), "bias": (cfg["filters"],)}))
            ch, size = cfg["filters"], size - k + 1
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            size = (size - cfg["pool_size"][0]) // cfg["strides"][0] + 1
        elif kind == "Flatten":
            ch = ch * size * size
        elif kind == "Dense":
            shapes.append((name, {"kernel": (ch, cfg["units"]), "bias": (cfg["units"],)}))
            ch = cfg["units"]
        names.append(name)
    with h5py.File(path, "w") as fh:
        fh.attrs["layer_names"] = [n.encode() for n in names]
        fh.attrs["backend"] = b"tensorflow"
        for name in names:
            grp = fh.create_group(name)
            weights = dict(shapes).get(name, {})
            grp.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w in weights]
            for w, shape in weights.items():
                fan_in = int(np.prod(shape[:-1])) if w == "kernel" else 1
                grp.create_dataset(f"{name}/{w}:0", data=(rng.normal(size=shape) / np.sqrt(fan_in)).astype(np.float32))
    return Path(path)


def convert(src: str | Path, dst: str | Path) -> Path:
    from reelmind.perceive.vision.emotion_convert import convert_keras_hdf5

    return convert_keras_hdf5(src, dst, config=model_config(weight_layer_names(src)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", nargs="?", help="facial_expression_model_weights.h5 (user-supplied)")
    ap.add_argument("dst", help="output .onnx (or .h5 with --random)")
    ap.add_argument("--random", action="store_true", help="write a random-weights h5 of the same layout to DST")
    args = ap.parse_args(argv)
    if args.random:
        print(write_random(args.dst), file=sys.stderr)
        return
    if not args.src:
        ap.error("give the weights file")
    print(convert(args.src, args.dst), file=sys.stderr)


if __name__ == "__main__":
    main()
