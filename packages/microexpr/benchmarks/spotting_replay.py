"""Record the planted-spotting evaluation once, then replay its spotting with other settings in seconds.

    .venv/bin/python packages/microexpr/benchmarks/spotting_replay.py record DIR --split tune [--options JSON]
    .venv/bin/python packages/microexpr/benchmarks/spotting_replay.py replay DIR [--options JSON] [--json out.json]

``record`` runs exactly what ``spotting_eval.py`` runs (the real harness: plant, H.264, decode, the
faces stage, alignment, flow) and keeps, for every window the channel spots, its cell trajectories
(the flow), landmarks and frame times, with each trial's plant. ``replay`` runs the channel's
``events`` on those windows again with other spotting settings (``SpotSettings`` fields only: the
alignment and the flow are what was recorded) and prints the same per-source lines and SUMMARY as
``spotting_eval.py``. On the recorded settings a replay gives the recorded figures exactly (checked
by ``record``, which replays itself at the end). All figures are on SYNTHETIC plants.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _options(text: str):
    from reelmind.microexpr.options import MicroOptions

    return MicroOptions(visualise=False, recogniser="", **json.loads(text))


@contextmanager
def _trajectories(fn):
    """Within the block, the channel's cell trajectories come from ``fn(compute, crops, flow, key, cells)``
    (``compute``: the real ``spot.trajectories``); restored afterwards."""
    from reelmind.microexpr import spot as spot_mod

    compute = spot_mod.trajectories
    spot_mod.trajectories = lambda *a: fn(compute, *a)
    try:
        yield
    finally:
        spot_mod.trajectories = compute


def record(folder: Path, srcs: list, options: str, plants: list | None = None) -> dict:
    """Run the real evaluation of the sources ``srcs`` (``planted.Source``; ``plants``: these instead
    of the grid), keeping every spotted window; returns its summary."""
    import tempfile

    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.planted import Harness, summarise

    folder.mkdir(parents=True, exist_ok=True)
    state = {"source": "", "call": 0, "window": 0, "traj": None}

    def keep_traj(compute, crops, flow, key, cells):
        state["traj"] = compute(crops, flow, key, cells)
        return state["traj"]

    channel = MicroChannel(_options(options))
    events = channel.events

    def recorded_events(track, times, crops, landmarks, fps, first=0, end=None, feats=None):
        state["traj"] = None
        rows = events(track, times, crops, landmarks, fps, first, end, feats)
        if state["traj"] is not None:
            np.savez_compressed(folder / f"{state['source']}-{state['call']:03d}-{state['window']:03d}.npz",
                                traj=state["traj"], landmarks=np.stack(landmarks).astype(np.float32),
                                times=np.asarray(times), fps=fps, first=first, end=len(crops) if end is None else end,
                                n=len(crops), crop=len(crops[0]))
            state["window"] += 1
        return rows

    channel.events = recorded_events
    index = {"options": json.loads(options), "sources": []}
    results = []
    with _trajectories(keep_traj), tempfile.TemporaryDirectory() as tmp:
        harness = Harness(channel, tmp)
        spotted = harness.spotted

        def counted(path, faces, fps):
            out = spotted(path, faces, fps)
            state["call"] += 1
            state["window"] = 0
            return out

        harness.spotted = counted
        for src in srcs:
            state.update(source=src.name, call=0, window=0)
            r = harness.run(src, plants)
            results.append(r)
            index["sources"].append({
                "name": src.name, "split": src.split, "fps": r.fps, "frames": r.frames, "plain_seconds": r.plain_seconds,
                "plain_events": r.plain_events,
                "plants": [[t.plant.onset, t.plant.frames, t.plant.au, t.plant.amount] for t in r.trials],
                "spotted": [t.spotted for t in r.trials], "aus": [t.aus for t in r.trials]})
            print(json.dumps({"source": src.name, **r.summary()}), flush=True)
            (folder / "index.json").write_text(json.dumps(index))
    return summarise(results)


def replay(folder: Path, options: str, verbose: bool = True, on_source=None) -> tuple[dict, list]:
    """The evaluation's figures from the recorded windows, spotted with ``options`` (``on_source(name)`` is
    called before each source's windows: a hook for experiments)."""
    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.evaluate import match
    from reelmind.microexpr.planted import SourceResult, Trial, sources, summarise
    from reelmind.microexpr.synth import Plant
    from reelmind.microexpr.tracks import Track

    index = json.loads((folder / "index.json").read_text())
    opts = {**index["options"], **json.loads(options)}
    channel = MicroChannel(_options(json.dumps(opts)))
    recorded = {"traj": None}
    by_name = {s.name: s for s in sources(None)}
    track = Track(0, -1, "", np.array([0.0, 1e9]), np.zeros((2, 4), np.float32))
    results = []
    with _trajectories(lambda compute, *a: recorded["traj"]):
        for src in index["sources"]:
            fps = src["fps"]
            if on_source is not None:
                on_source(src["name"])

            def spotted(call: int) -> tuple[list, list]:
                rows = []
                for f in sorted(folder.glob(f"{src['name']}-{call:03d}-*.npz")):
                    z = np.load(f)
                    recorded["traj"] = z["traj"]
                    crops = [np.zeros((int(z["crop"]), int(z["crop"])), np.uint8)] * int(z["n"])
                    rows += channel.events(track, list(z["times"]), crops, list(z["landmarks"]), float(z["fps"]),
                                           int(z["first"]), int(z["end"]))
                return ([(int(round(r["onset"] * fps)), int(round(r["offset"] * fps))) for r in rows], [r["au"] for r in rows])

            res = SourceResult(by_name[src["name"]], fps, src["frames"], src["plain_seconds"])
            res.plain_events = spotted(0)[0]
            for i, (onset, frames, au, amount) in enumerate(src["plants"]):
                p = Plant(onset, frames, au, amount)
                s, aus = spotted(i + 1)
                t = Trial(p, s, aus)
                m = match(s, [(p.onset, p.offset)])
                t.hit = m[0][0] if m else -1
                res.trials.append(t)
            results.append(res)
            if verbose:
                print(json.dumps({"source": src["name"], **res.summary(), "plain_events": res.plain_events}), flush=True)
    return summarise(results), results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("record", "replay"))
    ap.add_argument("folder")
    ap.add_argument("--split", default="tune", choices=("report", "tune", "all"))
    ap.add_argument("--only", default="")
    ap.add_argument("--options", default="{}", help="JSON of MicroOptions fields (replay: spotting settings only)")
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    uptime = lambda: subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # noqa: E731
    print(json.dumps({"synthetic": True, "mode": args.mode, "options": json.loads(args.options), "uptime": uptime()}),
          flush=True)
    if args.mode == "record":
        from reelmind.microexpr.planted import sources

        summary = record(folder, sources(None if args.split == "all" else args.split, args.only), args.options)
        again, _ = replay(folder, "{}", verbose=False)
        same = {k: v for k, v in summary.items()} == again
        print("RECORDED " + json.dumps(summary), flush=True)
        print(f"replay of the recorded settings identical: {same}", flush=True)
        if not same:
            print("REPLAYED " + json.dumps(again), flush=True)
        return 0 if same else 1
    summary, results = replay(folder, args.options)
    print("SUMMARY " + json.dumps({**summary, "uptime": uptime(), "load": os.getloadavg()}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps([{"source": r.source.name, "plain_events": r.plain_events,
                                                "trials": [{"au": t.plant.au, "onset": t.plant.onset,
                                                            "offset": t.plant.offset, "spotted": t.spotted,
                                                            "aus": t.aus, "hit": t.hit} for t in r.trials]}
                                               for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
