"""The optional recogniser: user-trained ONNX weights (``reelmind microexpr train``) loaded through
``reelmind.core.models``; absent weights leave events unclassified, with the reason recorded."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import numpy as np

from reelmind.core.errors import MissingModelError, ReelmindError

log = logging.getLogger("reelmind.microexpr.recognise")


@dataclass
class Recogniser:
    """A loaded recogniser: classes, the flow backend its features were made with, the session."""

    model: object  # reelmind.core.runtime.OnnxModel
    classes: list[str]
    flow: str
    sha256: str
    path: str
    meta: dict = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Class and softmax confidence per row of (N, 3, S, S) features."""
        if not len(x):
            return [], np.zeros(0, np.float32)
        logits = self.model.run({self.model.input_names[0]: x.astype(np.float32)})[0]
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        k = p.argmax(axis=1)
        return [self.classes[i] for i in k], p[np.arange(len(k)), k].astype(np.float32)


def read_metadata(path) -> dict:
    """The reelmind metadata stored in an exported recogniser (classes, flow, synthetic, ...)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    props = {p.key: p.value for p in model.metadata_props}
    if "reelmind.microexpr" not in props:
        raise ReelmindError(f"{path}: not a recogniser exported by `reelmind microexpr train` (no reelmind metadata)",
                            "export one with `reelmind microexpr train DATASET_DIR --layout ...`")
    return json.loads(props["reelmind.microexpr"])


def load(name: str, profile=None) -> tuple[Recogniser | None, str]:
    """(recogniser, '') or (None, why not) for a manifest name or a path ('' = none wanted)."""
    from reelmind.core import models

    if not name:
        return None, "no recogniser configured (option recogniser is empty)"
    try:
        resolved = models.resolve(name)
    except MissingModelError as exc:
        return None, str(exc)
    meta = read_metadata(resolved.path)
    session = models.onnx(str(resolved.path), profile=profile, task="micro_expression")
    return Recogniser(session, list(meta["classes"]), meta.get("flow", "tvl1"), resolved.sha256, str(resolved.path), meta), ""
