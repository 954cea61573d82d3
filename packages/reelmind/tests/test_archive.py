"""reelmind archive on a local Ray with two small real stages: every film runs, failures and
worker deaths are isolated and recorded, a rerun computes nothing, a SIGKILLed driver resumes
without recomputing finished (film, stage) pairs, status and SQL see it all."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from reelmind.core.config import RunConfig


def _config(log: Path, slow: float = 0.0) -> RunConfig:
    return RunConfig(stages={"a": {"log": str(log), "slow": slow}, "b": {"log": str(log)}})


def _lines(log: Path) -> Counter:
    return Counter(log.read_text().splitlines()) if log.exists() else Counter()


@pytest.fixture(scope="module")
def archived(tmp_path_factory, toys, ray_session):
    from reelmind.archive.driver import run_archive

    root = tmp_path_factory.mktemp("toyarchive")
    manifest = toys.films(root / "films", ["f1.bin", "f2.bin", "bad.bin", "crash.bin", "f3.bin"])
    (root / "films" / "empty.bin").write_bytes(b"")
    with open(manifest, "a") as fh:
        fh.write("empty.bin\nmissing.bin\n")
    log = root / "log.txt"
    first = run_archive(manifest, root / "store", _config(log), stages=toys.STAGES, max_attempts=2)
    computed = _lines(log)
    again = run_archive(manifest, root / "store", _config(log), stages=toys.STAGES, max_attempts=2)
    return root, first, computed, again


def test_every_good_film_finishes_and_failures_are_recorded(archived):
    from reelmind.archive.store import ArchiveStore

    root, first, computed, _ = archived
    assert (first.films, first.done, first.failed) == (7, 3, 4)
    status = {Path(s.path).name: s for s in ArchiveStore.of(root / "store").status()}
    assert {n for n, s in status.items() if s.state == "done"} == {"f1.bin", "f2.bin", "f3.bin"}
    assert "not a film this stage can read" in status["bad.bin"].reason
    assert status["bad.bin"].stages == {"a": "failed", "b": "blocked"}
    assert "attempts never finished" in status["crash.bin"].reason
    assert "the file is empty" in status["empty.bin"].reason
    assert "no such file" in status["missing.bin"].reason
    for name in ("f1.bin", "f2.bin", "f3.bin"):
        folder = root / "store" / status[name].film_id
        assert (folder / "summary.txt").read_text() == "x rows=46\n"  # 3001 bytes // 64
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["finished"] and {k: v["status"] for k, v in manifest["stages"].items()} == {"a": "cached", "b": "cached"}
        assert manifest["cpu"]["machine"] and isinstance(manifest["cpu"]["isa"], list)  # the CPU path of the film's numbers
    # each good film computed once; a film whose batch shared the dying actor may run again, the bad one too
    assert sum(v for k, v in computed.items() if k.startswith("a f")) == 3 and computed["a bad.bin"] >= 1


def test_rerun_computes_nothing_finished(archived):
    root, first, computed, again = archived
    assert _lines(root / "log.txt") - computed == Counter({"a bad.bin": 1})  # only the failed film is retried
    assert again.computed == 0 and again.cached == 6 and again.done == 3


def test_status_command(archived):
    from typer.testing import CliRunner

    from reelmind.pipeline.cli import app, _mount_archive

    _mount_archive()
    res = CliRunner().invoke(app, ["archive", "--status", str(archived[0] / "store")], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "7 films: 3 done, 4 failed, 0 pending" in res.output
    assert "not a film this stage can read" in res.output


def test_query_across_films(archived):
    from reelmind.archive.query import QueryError, query

    store = archived[0] / "store"
    cols, rows = query(store, "SELECT f.path, count(*) FROM faces JOIN films f USING (film) GROUP BY 1 ORDER BY 1")
    assert cols[1] == "count_star()" and [(Path(p).name, n) for p, n in rows] == [(f"f{i}.bin", 46) for i in (1, 2, 3)]
    _, states = query(store, "SELECT state, count(*) FROM films GROUP BY 1 ORDER BY 1")
    assert dict(states) == {"done": 3, "failed": 4}
    with pytest.raises(QueryError, match="the views are: .*faces"):
        query(store, "SELECT * FROM nothing_here")


SCRIPT = textwrap.dedent('''
    import importlib.util, sys
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("toys", sys.argv[4])
    toys = importlib.util.module_from_spec(spec)
    sys.modules["toys"] = toys
    spec.loader.exec_module(toys)
    import ray.cloudpickle
    ray.cloudpickle.register_pickle_by_value(toys)
    from reelmind.archive.driver import run_archive
    from reelmind.core.config import RunConfig
    log = sys.argv[3]
    cfg = RunConfig(stages={"a": {"log": log, "slow": float(sys.argv[5])}, "b": {"log": log}})
    r = run_archive(sys.argv[1], sys.argv[2], cfg, stages=toys.STAGES, address=sys.argv[6])
    print(r.computed, r.cached)
''')


def _done_pairs(store: Path) -> set[tuple[str, str]]:
    return {(p.parts[-5], p.parts[-3]) for p in store.glob("*/cache/*/*/done.json") if p.parts[-5] != "_archive"}


def test_sigkill_of_the_driver_then_rerun(tmp_path, toys, ray_session):
    names = [f"k{i}.bin" for i in range(6)]
    manifest = toys.films(tmp_path / "films", names)
    store, log = tmp_path / "store", tmp_path / "log.txt"
    script = tmp_path / "driver.py"
    script.write_text(SCRIPT)
    cmd = [sys.executable, str(script), str(manifest), str(store), str(log), toys.__file__]
    with open(tmp_path / "driver.err", "w") as err:
        proc = subprocess.Popen([*cmd, "1.5", ray_session], stdout=err, stderr=err)
    deadline = time.time() + 240
    # wait for two committed (film, b) results: the toy logs "b ..." before the store commits it
    while time.time() < deadline and sum(1 for p in _done_pairs(store) if p[1] == "b") < 2:
        assert proc.poll() is None, (tmp_path / "driver.err").read_text()[-3000:]
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    finished = _done_pairs(store)
    before = _lines(log)
    assert 2 <= len([p for p in finished if p[1] == "b"]) < len(names), (finished, before)
    out = subprocess.run([*cmd, "0", ray_session], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    after = _lines(log)
    # every (film, stage) pair is done; those finished before the kill were computed exactly once
    film_of = {json.loads((store / f / "film.json").read_text())["path"]: f for f, _ in _done_pairs(store)}
    assert len(film_of) == len(names) and len(_done_pairs(store)) == 2 * len(names)
    runs_of = {}
    for name in names:
        fid = film_of[str(tmp_path / "films" / name)]
        runs_of[(fid, "a")] = after[f"a {name}"]
        runs_of[(fid, "b")] = after[f"b {fid[-12:]}"]
    assert all(runs_of[pair] == 1 for pair in finished), (finished, runs_of)
    assert all(n >= 1 for n in runs_of.values()), runs_of
    # nothing half-written or duplicated: one entry per (film, stage), no partial folders left
    assert not list(store.glob("*/cache/*/.partial-*")) and not list(store.glob("*/cache/*/.attempts-*"))
    for fid in set(film_of.values()):
        assert len([p for p in (store / fid / "cache").glob("*/*") if not p.name.startswith(".")]) == 2
        manifest_json = json.loads((store / fid / "manifest.json").read_text())
        assert {v["status"] for v in manifest_json["stages"].values()} <= {"computed", "cached"}


def test_manifest_formats_give_the_same_films(tmp_path, toys, ray_session):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from reelmind.archive.driver import run_archive
    from reelmind.archive.store import ArchiveStore

    toys.films(tmp_path / "films", ["m1.bin", "m2.bin"])
    (tmp_path / "films" / "films.csv").write_text("Path,Title,Year\nm1.bin,First,1939\nm2.bin,,\n")
    pq.write_table(pa.table({"path": [str(tmp_path / "films" / n) for n in ("m1.bin", "m2.bin")],
                             "title": ["First", None], "year": [1939, None]}), tmp_path / "films" / "films.parquet")
    ids = {}
    for fmt in ("csv", "parquet"):
        store = tmp_path / f"store-{fmt}"
        run_archive(tmp_path / "films" / f"films.{fmt}", store, _config(tmp_path / "log"), stages=toys.STAGES)
        ids[fmt] = {(s.film_id, s.title, ArchiveStore.of(store).film_info(s.film_id)["year"], s.state)
                    for s in ArchiveStore.of(store).status()}
    assert ids["csv"] == ids["parquet"]
    assert {(t, y) for _, t, y, _ in ids["csv"]} == {("First", "1939"), ("", "")}
    assert all(i.startswith(("first-", "m2-")) for i, *_ in ids["csv"])
