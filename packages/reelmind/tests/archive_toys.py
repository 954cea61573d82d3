"""Two small real stages for the archive tests (no models): ``a`` reads the film's bytes into a
FaceTable, ``b`` summarises it into a document that it publishes. Each computation appends a
line to the ``log`` file named in its options, so tests count what was really computed.
A film whose name contains ``bad`` fails with a ReelmindError; ``crash`` kills its worker."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.atomic import write_bytes
from reelmind.core.errors import InputMediaError
from reelmind.core.records import DocumentTable, FaceTable
from reelmind.core.stage import Resources, Stage, runtime_option


@dataclass
class AOpts:
    step: float = 0.25
    log: str = runtime_option("")
    slow: float = runtime_option(0.0)


@dataclass
class BOpts:
    label: str = "x"
    log: str = runtime_option("")


def _log(path: str, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")


def a_setup(o: AOpts, profile):
    def run(inputs, ctx):
        name = Path(inputs["video"]).name
        if "crash" in name:
            os._exit(3)
        _log(o.log, f"a {name}")
        if "bad" in name:
            raise InputMediaError(f"{name}: not a film this stage can read")
        time.sleep(o.slow)
        data = np.frombuffer(Path(inputs["video"]).read_bytes()[:4096], dtype=np.uint8).astype(float)
        t = np.arange(len(data) // 64) * o.step
        return {"faces": FaceTable(time=t, box=np.zeros((len(t), 4)), det_conf=data[: len(t)] / 255)}
    return run


def b_setup(o: BOpts, profile):
    def run(inputs, ctx):
        _log(o.log, f"b {ctx.film[:12]}")
        text = f"{o.label} rows={len(inputs['faces'])}\n"
        return {"summary": DocumentTable(name=["summary.txt"], data=[text.encode()])}
    return run


def b_publish(outputs, o, out):
    doc = outputs["summary"]
    return [write_bytes(out / doc.name[0], doc.data[0])]


STAGES = {"a": Stage("a", ("video",), ("faces",), AOpts, a_setup, resources=lambda o, p: Resources(cpus=1)),
          "b": Stage("b", ("faces",), ("summary",), BOpts, b_setup, publish=b_publish,
                     resources=lambda o, p: Resources(cpus=0.5))}


def films(folder: Path, names: list[str]) -> Path:
    """Distinct small 'films' (random bytes) and a plain-list manifest of them."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, n in enumerate(names):
        (folder / n).write_bytes(bytes([1 + i % 250]) + os.urandom(3000 + i))
    manifest = folder / "films.txt"
    manifest.write_text("# toy films\n" + "\n".join(names) + "\n\n")
    return manifest
