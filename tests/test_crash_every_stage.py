"""SIGKILL during every stage of `reelmind run`, one after the other, then a rerun: every output
equals an uninterrupted run's, value for value (the 3-line ground-truth film, all default stages).

Each killed driver is a real process killed with SIGKILL as soon as the stage reports that it has
started; the next driver resumes from the run folder the killed one left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

DRIVER = textwrap.dedent('''
    import sys
    from reelmind.core.config import RunConfig
    from reelmind.pipeline.orchestrate import run_pipeline

    seen = set()

    def progress(stage, frac, msg):
        if stage not in seen:
            seen.add(stage)
            print("start", stage, flush=True)

    cfg = RunConfig(stages={"faces": {"segment_seconds": 2.0}})
    run_pipeline(sys.argv[1], sys.argv[2], cfg, on_progress=progress)
    print("finished", flush=True)
''')


def _outputs(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.glob("*.parquet"))}


def _values(path: Path) -> dict:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pydict()  # the data, not the metadata (which holds timings)


def test_sigkill_in_every_stage_then_rerun_equals_an_uninterrupted_run(gt_short_film, tmp_path):
    from reelmind.core.config import RunConfig
    from reelmind.pipeline.orchestrate import run_pipeline

    cfg = RunConfig(stages={"faces": {"segment_seconds": 2.0}})
    whole = tmp_path / "whole"
    reference = {r.name: r.status for r in run_pipeline(gt_short_film, whole, cfg)}
    stages = [name for name, status in reference.items() if status == "computed"]
    assert {"faces", "persons", "audio", "fuse", "moments", "memory", "report"} <= set(stages), reference

    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    out = tmp_path / "killed"
    killed_in = []
    for stage in stages:
        proc = subprocess.Popen([sys.executable, str(driver), str(gt_short_film), str(out)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            for line in proc.stdout:
                if line.strip() == f"start {stage}":
                    os.kill(proc.pid, signal.SIGKILL)
                    killed_in.append(stage)
                    break
        finally:
            proc.kill()
            proc.wait(timeout=60)
    assert killed_in == stages, (killed_in, stages)  # every stage was reached and killed at least once

    again = {r.name: r.status for r in run_pipeline(gt_short_film, out, cfg)}
    assert set(again) == set(reference) and all(again[s] in ("computed", "cached") for s in stages), again
    got, want = _outputs(out), _outputs(whole)
    assert set(got) == set(want) and len(want) >= 15, (sorted(got), sorted(want))
    for name, path in want.items():
        np.testing.assert_equal(_values(got[name]), _values(path), err_msg=name)
    assert (out / "dataset.csv").read_bytes() == (whole / "dataset.csv").read_bytes()
    assert not list(out.glob("cache/*/.chunks-*")) and not list(out.glob("cache/*/.partial-*"))  # nothing half-written left
