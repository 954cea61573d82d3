"""``python toy_cli.py run FILM -o OUT ...``: the real ``reelmind`` CLI over two small stages.

``a`` reads the film's bytes into a FaceTable; ``b`` labels it from a names file (a file option,
keyed by content) and can sleep (``RM_SLOW`` seconds) to be interrupted; ``b`` publishes
``summary.txt``. Every computation appends its stage name to ``$RM_LOG``.
"""

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.atomic import write_bytes
from reelmind.core.records import DocumentTable, FaceTable
from reelmind.core.stage import Stage, file_option, runtime_option
from reelmind.pipeline import cli, orchestrate

LOG = Path(os.environ["RM_LOG"])


def _log(name: str) -> None:
    with LOG.open("a") as fh:
        fh.write(name + "\n")


@dataclass
class AOpts:
    step: float = 0.25
    threads: int = runtime_option(0)


@dataclass
class BOpts:
    names: str = file_option("")
    slow: float = 0.0


def a_setup(o, profile):
    def run(inputs, ctx):
        _log("A")
        data = np.frombuffer(Path(inputs["video"]).read_bytes()[:4096], dtype=np.uint8).astype(float)
        t = np.arange(len(data) // 64) * o.step
        return {"faces": FaceTable(time=t, box=np.zeros((len(t), 4)), det_conf=data[: len(t)] / 255)}
    return run


def b_setup(o, profile):
    def run(inputs, ctx):
        _log("B")
        label = Path(o.names).read_text().strip() if o.names else "unnamed"
        Path(str(LOG) + ".b-started").touch()
        time.sleep(o.slow)
        return {"summary": DocumentTable(name=["summary.txt"], data=[f"{label} rows={len(inputs['faces'])}\n".encode()])}
    return run


def b_publish(outputs, o, out):
    doc = outputs["summary"]
    return [write_bytes(out / doc.name[0], doc.data[0])]


STAGES = {"a": Stage("a", ("video",), ("faces",), AOpts, a_setup),
          "b": Stage("b", ("faces",), ("summary",), BOpts, b_setup, publish=b_publish)}

if __name__ == "__main__":
    orchestrate.discover_stages = lambda: dict(STAGES)
    sys.argv = ["reelmind", *sys.argv[1:]]
    cli.main()
