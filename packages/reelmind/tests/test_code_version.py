"""The cache key covers a stage's whole package: editing a non-stage module of a real package (a
temporary copy of reelmind.fuse) recomputes that stage and its dependants, and nothing else."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import reelmind.fuse

SCRIPT = textwrap.dedent('''
    import os, sys
    from dataclasses import dataclass
    from pathlib import Path
    import numpy as np
    import reelmind.fuse
    from reelmind.core.records import DocumentTable, FaceTable, UtteranceTable
    from reelmind.core.stage import Stage
    from reelmind.fuse.stage import STAGE as FUSE
    from reelmind.pipeline.orchestrate import run_pipeline

    assert reelmind.fuse.__file__.startswith(os.environ["RM_COPY"]), reelmind.fuse.__file__

    @dataclass
    class Opts:
        pass

    def faces_setup(o, profile):
        def run(inputs, ctx):
            t = np.arange(0, 10, 0.25)
            probs = np.tile(np.eye(7, dtype=np.float32)[3], (len(t), 1))
            return {"faces": FaceTable(time=t, box=np.tile([0, 0, 100, 100], (len(t), 1)), det_conf=np.ones(len(t)),
                                       person_id=np.zeros(len(t), int), person=["Ada"] * len(t), emotion_probs=probs)}
        return run

    def utt_setup(o, profile):
        def run(inputs, ctx):
            return {"utterances": UtteranceTable(start=[1.0, 5.0], end=[2.0, 6.0], text=["hello there", "go away"],
                                                 speaker=["S0", "S0"], text_emotion=["joy", "anger"],
                                                 text_conf=[0.8, 0.9])}
        return run

    def summary_setup(o, profile):
        def run(inputs, ctx):
            d = inputs["dataset"]
            return {"summary": DocumentTable(name=["s.txt"], data=[f"{len(d)} {list(d.conflict)}".encode()])}
        return run

    stages = {"faces": Stage("faces", ("video",), ("faces",), Opts, faces_setup),
              "audio": Stage("audio", ("video",), ("utterances",), Opts, utt_setup),
              "fuse": FUSE,
              "summary": Stage("summary", ("dataset",), ("summary",), Opts, summary_setup)}
    reports = run_pipeline(sys.argv[1], sys.argv[2], stages=stages)
    print(" ".join(f"{r.name}={r.status}" for r in sorted(reports, key=lambda r: r.name)))
''')


def test_editing_a_non_stage_module_recomputes_that_stage_and_dependants(tmp_path):
    src = Path(reelmind.fuse.__file__).parent
    copy = tmp_path / "src" / "reelmind" / "fuse"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    film = tmp_path / "film.bin"
    film.write_bytes(os.urandom(4096))
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src"), "RM_COPY": str(copy)}

    def run() -> str:
        res = subprocess.run([sys.executable, str(script), str(film), str(tmp_path / "out")], env=env,
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        return res.stdout.strip()

    assert run() == "audio=computed faces=computed fuse=computed summary=computed"
    assert run() == "audio=cached faces=cached fuse=cached summary=cached"
    conflict = copy / "conflict.py"  # not the stage module: the rule fuse.py imports
    conflict.write_text(conflict.read_text() + "\n# an edit that changes no behaviour still changes the code\n")
    assert run() == "audio=cached faces=cached fuse=computed summary=computed"
    assert run() == "audio=cached faces=cached fuse=cached summary=cached"
