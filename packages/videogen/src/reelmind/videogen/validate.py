"""Validate an API-format graph against a server's ``/object_info``, the way ComfyUI's
``execution.validate_prompt`` does (v0.3.64): node classes present, an output node present, links
well-formed and of matching type, required inputs set, values convertible, min/max, enum values.

Two additions of ours, on by default (``strict``), that ComfyUI's server leaves to its frontend:
INT values on their ``step`` grid (counted from ``min``) and values of new-style ``COMBO`` inputs
in their ``options`` (v0.3.64 checks only old-style list enums). Model-file inputs of loader nodes
(``MODEL_FILE_INPUTS``) list the files of one particular server: against a bundled capture they
are reported as warnings (``files="warn"``), against the live server as errors.

Errors use ComfyUI's own ``type``/``message``/``details`` and add ``node``, ``class_type``,
``input``, ``expected`` and ``got``, so a refusal reads like
``node 1 (CheckpointLoaderSimple) input ckpt_name: value_not_in_list — expected one of [...], got 'x'``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from reelmind.core.errors import ReelmindError

#: loader inputs naming files on the server (models, uploads): (class_type, input)
MODEL_FILE_INPUTS: frozenset[tuple[str, str]] = frozenset({
    ("CheckpointLoaderSimple", "ckpt_name"), ("UnetLoaderGGUF", "unet_name"), ("UNETLoader", "unet_name"),
    ("CLIPLoader", "clip_name"), ("CLIPLoaderGGUF", "clip_name"), ("VAELoader", "vae_name"),
    ("LoraLoaderModelOnly", "lora_name"), ("LoraLoader", "lora_name"), ("UpscaleModelLoader", "model_name"),
    ("LatentUpscaleModelLoader", "model_name"), ("LTXVAudioVAELoader", "ckpt_name"),
    ("LTXAVTextEncoderLoader", "text_encoder"), ("LTXAVTextEncoderLoader", "ckpt_name"),
    ("LoadImage", "image"), ("LoadAudio", "audio"),
})

BUNDLED_OBJECT_INFO = "object_info.v0.3.64+gguf.json"
LTX2_NODES = "ltx2_nodes.json"


class GraphValidationError(ReelmindError):
    """A graph the server would refuse (or did refuse); ``errors`` holds every problem found."""

    def __init__(self, errors: list["GraphError"], source: str = "") -> None:
        self.errors = errors
        first = errors[0].line() if errors else "invalid graph"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        where = f" [{source}]" if source else ""
        super().__init__(f"graph refused{where}: {first}{more}",
                         "fix the option named above (model files: put them in the ComfyUI models folder or pass the "
                         "installed file name)")


@dataclass
class GraphError:
    type: str
    message: str
    details: str = ""
    node: str = ""
    class_type: str = ""
    input: str = ""
    expected: str = ""
    got: str = ""
    extra_info: dict = field(default_factory=dict)

    def line(self) -> str:
        who = f"node {self.node} ({self.class_type})" if self.node else "graph"
        inp = f" input {self.input}" if self.input else ""
        exp = f" — expected {self.expected}, got {self.got}" if self.expected or self.got else ""
        return f"{who}{inp}: {self.type}: {self.message}{exp}"

    def comfy(self) -> dict:
        """The error in ComfyUI's wire form (``node_errors[...]['errors'][i]``)."""
        return {"type": self.type, "message": self.message, "details": self.details, "extra_info": self.extra_info}


# ----------------------------------------------------------------------------- object_info
def _data(name: str) -> dict:
    return json.loads(resources.files("reelmind.videogen").joinpath("data", name).read_text(encoding="utf-8"))


@functools.cache
def bundled_object_info() -> dict:
    """The ``/object_info`` a real ComfyUI v0.3.64 (+ ComfyUI-GGUF) answered, merged with the LTX-2.x
    audio-video node schemas transcribed from current ComfyUI (see ``data/ltx2_nodes.json``)."""
    info = dict(_data(BUNDLED_OBJECT_INFO))
    info.update({k: v for k, v in _data(LTX2_NODES).items() if not k.startswith("_")})
    return info


def ltx2_sources() -> dict:
    return _data(LTX2_NODES)["_source"]


# ----------------------------------------------------------------------------- helpers
def _is_link(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int) and not isinstance(v[1], bool)


def _types_match(received: Any, wanted: Any) -> bool:
    """ComfyUI's ``validate_node_input`` (non-strict): equal, or overlapping comma lists; ``*`` matches all."""
    if isinstance(wanted, list):  # old-style enum fed by a link: ComfyUI compares COMBO lists by value
        return isinstance(received, list) or received == "COMBO"
    if received == wanted or "*" in (received, wanted):
        return True
    if not isinstance(received, str) or not isinstance(wanted, str):
        return False
    return bool({t.strip() for t in received.split(",")} & {t.strip() for t in wanted.split(",")})


def _short(options: list) -> str:
    return f"(list of length {len(options)})" if len(options) > 20 else str(options)


def _expect(options: list) -> str:
    if len(options) <= 20:
        return f"one of {options}"
    return f"one of {len(options)} values ({', '.join(map(str, options[:8]))}, ...)"


def _input_spec(spec: list) -> tuple[Any, dict]:
    return spec[0], (spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {})


def _output_nodes(graph: dict, info: dict) -> list[str]:
    return [nid for nid, n in graph.items() if info.get(n.get("class_type"), {}).get("output_node")]


# ----------------------------------------------------------------------------- validation
def validate_graph(graph: dict, object_info: dict | None = None, *, strict: bool = True, files: str = "error",
                   present: frozenset[str] | set[str] = frozenset()) -> tuple[list[GraphError], list[GraphError]]:
    """Check ``graph`` (API format) against ``object_info``; returns (errors, warnings).

    ``files``: "error" (live server: missing model files refuse the graph), "warn" (bundled capture)
    or "ignore"; ``present``: file names known to be on the server (just uploaded). ``strict=False`` reproduces ComfyUI v0.3.64 exactly (no step / COMBO-option checks)."""
    info = bundled_object_info() if object_info is None else object_info
    errors: list[GraphError] = []
    warnings: list[GraphError] = []
    if not isinstance(graph, dict) or not graph:
        return [GraphError("invalid_prompt", "The graph is empty or not a node mapping", got=type(graph).__name__)], []
    for nid, node in graph.items():
        if not isinstance(node, dict) or "class_type" not in node:
            return [GraphError("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                               f"Node ID '#{nid}'", node=str(nid))], []
        if node["class_type"] not in info:
            return [GraphError("invalid_prompt", f"Cannot execute because node {node['class_type']} does not exist.",
                               f"Node ID '#{nid}'", node=str(nid), class_type=node["class_type"],
                               expected="a node class the server has", got=node["class_type"])], []
    outputs = _output_nodes(graph, info)
    if not outputs:
        return [GraphError("prompt_no_outputs", "Prompt has no outputs", expected="an output node (SaveVideo, ...)",
                           got="none")], []
    for nid in sorted(graph, key=str):
        errs, warns = _validate_node(graph, str(nid), info, strict, files, present)
        errors += errs
        warnings += warns
    return errors, warnings


def _validate_node(graph: dict, nid: str, info: dict, strict: bool, files: str,
                   present=frozenset()) -> tuple[list[GraphError], list[GraphError]]:
    node = graph[nid]
    ctype = node["class_type"]
    spec = info[ctype]["input"]
    inputs = node.get("inputs", {}) or {}
    errors: list[GraphError] = []
    warnings: list[GraphError] = []

    def err(kind: str, message: str, details: str, name: str, expected: str, got: Any, **extra: Any) -> GraphError:
        return GraphError(kind, message, details, nid, ctype, name, expected, repr(got) if not isinstance(got, str) or kind != "return_type_mismatch" else got,
                          {"input_name": name, **extra})

    for category in ("required", "optional"):
        for name, ispec in (spec.get(category) or {}).items():
            wanted, extra = _input_spec(ispec)
            if name not in inputs:
                if category == "required":
                    errors.append(GraphError("required_input_missing", "Required input is missing", name, nid, ctype, name,
                                             f"a {wanted if isinstance(wanted, str) else 'COMBO'} value or link", "nothing",
                                             {"input_name": name}))
                continue
            val = inputs[name]
            if isinstance(val, list):
                if not _is_link(val):
                    errors.append(err("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                                      name, name, "[node_id, slot_index]", val))
                    continue
                src = graph.get(val[0])
                if src is None:
                    errors.append(err("bad_linked_input", f"Linked node {val[0]} does not exist", name, name,
                                      "an existing node id", val[0]))
                    continue
                outs = info[src["class_type"]].get("output", [])
                if not 0 <= val[1] < len(outs):
                    errors.append(err("bad_linked_input", f"Node {val[0]} has no output {val[1]}", name, name,
                                      f"slot 0..{len(outs) - 1}", val[1]))
                    continue
                received = outs[val[1]]
                if not _types_match(received, wanted):
                    errors.append(GraphError("return_type_mismatch", "Return type mismatch between linked nodes",
                                             f"{name}, received_type({received}) mismatch input_type({wanted})",
                                             nid, ctype, name, str(wanted), f"{received} from node {val[0]} ({src['class_type']})",
                                             {"input_name": name, "received_type": received, "linked_node": val}))
                continue
            if (ctype, name) in MODEL_FILE_INPUTS and val in present:
                continue
            errors += _check_value(nid, ctype, name, wanted, extra, val, strict, files, warnings)
    return errors, warnings


def _check_value(nid: str, ctype: str, name: str, wanted: Any, extra: dict, val: Any, strict: bool, files: str,
                 warnings: list[GraphError]) -> list[GraphError]:
    if isinstance(val, dict) and "__value__" in val:
        val = val["__value__"]
    kinds = [t.strip() for t in wanted.split(",")] if isinstance(wanted, str) else []
    base = {"input_name": name, "received_value": val}
    try:
        if kinds and kinds[0] == "INT":
            if isinstance(val, float) and not val.is_integer():
                raise ValueError(f"{val} is not a whole number")
            val = int(val)
        elif kinds and kinds[0] == "FLOAT":
            val = float(val)
        elif kinds and kinds[0] == "STRING":
            val = str(val)
        elif kinds and kinds[0] == "BOOLEAN":
            if not isinstance(val, (bool, int)):
                raise ValueError(f"{val!r} is not a boolean")
            val = bool(val)
    except (TypeError, ValueError) as ex:
        return [GraphError("invalid_input_type", f"Failed to convert an input value to a {wanted} value",
                           f"{name}, {val}, {ex}", nid, ctype, name, f"a {wanted} value", repr(val), base)]
    if "min" in extra and isinstance(val, (int, float)) and val < extra["min"]:
        return [GraphError("value_smaller_than_min", f"Value {val} smaller than min of {extra['min']}", name, nid, ctype,
                           name, f">= {extra['min']}", repr(val), base)]
    if "max" in extra and isinstance(val, (int, float)) and val > extra["max"]:
        return [GraphError("value_bigger_than_max", f"Value {val} bigger than max of {extra['max']}", name, nid, ctype,
                           name, f"<= {extra['max']}", repr(val), base)]
    if strict and kinds and kinds[0] == "INT" and extra.get("step", 1) > 1:
        step, lo = int(extra["step"]), int(extra.get("min", 0))
        if (val - lo) % step:
            below = val - (val - lo) % step
            return [GraphError("value_not_on_step", f"Value {val} is not min {lo} + a multiple of step {step}", name, nid,
                               ctype, name, f"{lo} + k*{step} (e.g. {below} or {below + step})", repr(val), base)]
    options = wanted if isinstance(wanted, list) else (extra.get("options") if wanted == "COMBO" and strict else None)
    if options is not None and val not in options:
        e = GraphError("value_not_in_list", "Value not in list", f"{name}: '{val}' not in {_short(options)}", nid, ctype,
                       name, _expect(options), repr(val), base)
        if (ctype, name) in MODEL_FILE_INPUTS and files != "error":
            if files == "warn":
                warnings.append(e)
            return []
        return [e]
    return []


def check_graph(graph: dict, object_info: dict | None = None, *, source: str = "", strict: bool = True,
                files: str = "error", present=frozenset()) -> list[GraphError]:
    """Raise :class:`GraphValidationError` on any error; return the warnings."""
    errors, warnings = validate_graph(graph, object_info, strict=strict, files=files, present=present)
    if errors:
        raise GraphValidationError(errors, source)
    return warnings


def comfy_response(graph: dict, object_info: dict) -> tuple[int, dict]:
    """What ComfyUI v0.3.64's ``POST /prompt`` answers for an invalid ``graph`` (status 400 + body),
    or (200, {}) when it would accept it: ``invalid_prompt`` / ``prompt_no_outputs`` first, then
    ``prompt_outputs_failed_validation`` with ``node_errors`` whose ``dependent_outputs`` list the
    output nodes each broken node feeds."""
    errors, _ = validate_graph(graph, object_info, strict=False, files="error")
    outputs = _output_nodes(graph, object_info) if errors and errors[0].type not in ("invalid_prompt",) else []
    errors = [e for e in errors if not e.node or any(_feeds(graph, e.node, o) for o in outputs)] if outputs else errors
    if not errors:
        return 200, {}
    first = errors[0]
    if first.type in ("invalid_prompt", "prompt_no_outputs"):
        return 400, {"error": {"type": first.type, "message": first.message, "details": first.details, "extra_info": {}},
                     "node_errors": {}}
    node_errors: dict[str, dict] = {}
    for e in errors:
        entry = node_errors.setdefault(e.node, {"errors": [], "dependent_outputs": [], "class_type": e.class_type})
        extra = dict(e.extra_info)
        if e.type == "value_not_in_list":
            spec = object_info[e.class_type]["input"]
            ispec = (spec.get("required") or {}).get(e.input) or (spec.get("optional") or {}).get(e.input)
            options = ispec[0] if isinstance(ispec[0], list) else []
            extra = {"input_name": e.input, "input_config": None if len(options) > 20 else ispec,
                     "received_value": e.extra_info.get("received_value")}
        entry["errors"].append({"type": e.type, "message": e.message, "details": e.details, "extra_info": extra})
    for nid, entry in node_errors.items():
        entry["dependent_outputs"] = [o for o in outputs if _feeds(graph, nid, o)]
    # ComfyUI lists in ``details`` only the errors of the output nodes themselves
    details = "\n".join(f"{e.message}: {e.details}" for e in errors if e.node in outputs)
    return 400, {"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
                           "details": details, "extra_info": {}},
                 "node_errors": node_errors}


def _feeds(graph: dict, nid: str, out: str) -> bool:
    seen, stack = set(), [out]
    while stack:
        cur = stack.pop()
        if cur == nid:
            return True
        if cur in seen or cur not in graph:
            continue
        seen.add(cur)
        stack += [v[0] for v in (graph[cur].get("inputs") or {}).values() if _is_link(v)]
    return False
