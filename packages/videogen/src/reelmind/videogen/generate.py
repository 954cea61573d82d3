"""PromptFrames → graphs → clips (+ reproducibility, scatter, arcs, manifest): the work behind the
``videogen`` stage and ``reelmind video``.

Everything lands in one folder (``videos/``): ``<clip>.mp4``, ``graphs/<clip>.<hash12>.json`` (every
graph exactly as queued, API format), ``repeat/`` (reproducibility reruns), ``arcs/`` (stitched arcs),
``jobs.json`` (the job ledger keyed by graph hash) and ``manifest.json``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelmind.core.atomic import write_json
from reelmind.core.errors import ConfigError, InputMediaError, ReelmindError

from .graphs import ClipSpec, build_graph, family, graph_hash
from .options import VideoOptions
from .profiles import get_profile
from .validate import bundled_object_info, check_graph
from .vram import clamp

log = logging.getLogger("reelmind.videogen.generate")

Event = Callable[[str, dict], None]


@dataclass
class Clip:
    name: str
    keyframe: int
    character: str
    start: float
    emotion: str
    seed: int
    graph: dict
    graph_hash: str
    clamp: dict
    repeat: int = 0
    status: str = "built"
    prompt_id: str = ""
    file: str = ""
    md5: str = ""
    seconds: float = 0.0
    size: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    judge: dict = field(default_factory=dict)


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")[:24] or "x"


def _col(frames, name: str, i: int, default: Any = None) -> Any:
    v = getattr(frames, name, None)
    if v is None:
        return default
    x = v[i]
    return x.item() if hasattr(x, "item") else x


def reference_png(frames, i: int, run_dir: Path | None) -> bytes | None:
    """The I2V reference of row ``i``: ``ref_png`` bytes, else the ``ref_image`` file in the run folder."""
    data = _col(frames, "ref_png", i, b"")
    if data:
        return bytes(data)
    rel = _col(frames, "ref_image", i, "")
    if rel and run_dir is not None and (run_dir / rel).is_file():
        return (run_dir / rel).read_bytes()
    return None


def generate(frames, options: VideoOptions, out_dir: str | Path, *, client=None, film: str | Path | None = None,
             run_dir: str | Path | None = None, dry_run: bool = False, object_info: dict | None = None,
             on_event: Event | None = None, judge=None, ledger_path: str | Path | None = None) -> dict:
    """Build, clamp, validate (and unless ``dry_run`` queue, download and check) every clip of
    ``frames`` × ``options.seeds``. Returns the manifest (also written to ``out_dir/manifest.json``)."""
    from .client import JobLedger

    out = Path(out_dir)
    (out / "graphs").mkdir(parents=True, exist_ok=True)
    run_dir = Path(run_dir) if run_dir else None
    emit = on_event or (lambda kind, data: None)
    profile = get_profile(options.profile)
    fam = family(options.mode)
    if not len(frames):
        raise ConfigError("no prompt frames to render", "run the prompts stage first (reelmind run ... with promptgen)")
    t_start = time.time()
    # what to validate against
    info_source, files_mode = "bundled capture (ComfyUI v0.3.64 + GGUF, LTX-2 nodes transcribed)", "warn"
    free_gb, free_source = None, "profile"
    if object_info is not None:
        info_source, files_mode = "given", "error"
    elif client is not None:
        object_info, info_source, files_mode = client.object_info(), f"server {client.url}", "error"
        free_gb, free_source = client.free_vram_gb()
    else:
        object_info = bundled_object_info()
    ledger = JobLedger(None if dry_run else (ledger_path or out / "jobs.json"))
    clips: list[Clip] = []
    uploads: dict[str, str] = {}
    degraded: list[str] = []
    W, H, F = options.width or profile.width, options.height or profile.height, options.frames or profile.frames
    fps = options.fps or 24.0
    mode_slug = options.mode.replace("+", "-")
    for i in range(len(frames)):
        kf = int(_col(frames, "keyframe", i, i))
        if kf < 0:
            kf = i
        character = str(_col(frames, "character", i, "") or "")
        start = float(_col(frames, "start", i, 0.0))
        emotion = str(_col(frames, "emotion", i, "") or "")
        c = clamp(profile, W, H, F, free_gb, options.min_frames)
        image = audio = None
        if "i2v" in options.mode:
            png = reference_png(frames, i, run_dir)
            if png is None:
                raise ConfigError(f"prompt frame {kf} has no reference image for {options.mode}",
                                  "give it ref_png/ref_image (promptgen's face crop) or use --mode t2v")
            image = f"reelmind_ref_{hashlib.sha256(png).hexdigest()[:16]}.png"
            if not dry_run and image not in uploads:
                uploads[image] = client.upload(png, image)
        if "a2v" in options.mode:
            if film is None:
                raise ConfigError(f"{options.mode} needs the film's audio", "run on a run folder whose manifest names the film")
            a0 = float(_col(frames, "audio_start", i, float("nan")))
            a1 = float(_col(frames, "audio_end", i, float("nan")))
            if not (a0 == a0 and a1 == a1 and a1 > a0):  # NaN or empty span: the keyframe's own span
                a0, a1 = start, float(_col(frames, "end", i, start + c.frames / fps))
            source = str(_col(frames, "audio_source", i, "") or "mix")
            if source == "vocals":
                note = "A2V audio: the vocals stem is not kept by the audio stage; the film mix was used"
                if note not in degraded:
                    degraded.append(note)
            from .media import cut_audio

            wav = cut_audio(film, a0, a0 + max(a1 - a0, c.frames / fps), out / "audio" / f"k{kf}.wav")
            data = wav.read_bytes()
            audio = f"reelmind_audio_{hashlib.sha256(data).hexdigest()[:16]}.wav"
            if not dry_run and audio not in uploads:
                uploads[audio] = client.upload(data, audio)
        for seed in options.seeds:
            name = f"k{kf:04d}_{_slug(character)}_{mode_slug}_s{seed}"
            spec = ClipSpec(str(_col(frames, "positive", i, "")), int(seed), c.width, c.height, c.frames,
                            prefix=f"reelmind/{name}", negative=str(_col(frames, "negative", i, "") or "") or None,
                            image=uploads.get(image, image), audio=uploads.get(audio, audio))
            graph = build_graph(spec, options.mode, profile, options)
            warnings = check_graph(graph, object_info, source=info_source, files=files_mode,
                                   present=set(uploads.values()))
            h = graph_hash(graph)
            write_json(out / "graphs" / f"{name}.{h[:12]}.json", graph)
            clips.append(Clip(name, kf, character, start, emotion, int(seed), graph, h, c.meta(),
                              warnings=[w.line() for w in warnings]))
            emit("built", {"clip": name, "hash": h, "clamp": c.meta()})
    if not dry_run:
        _render(clips, options, out, client, ledger, emit)
        if options.repeat_seed is not None and options.repeat_seed in options.seeds:
            _repeat(clips, options, out, client, ledger, emit)
        if options.scatter:
            _judge(clips, out, judge, degraded)
        if options.stitch:
            arcs = _arcs(clips, options, out, degraded)
        else:
            arcs = []
    else:
        arcs = []
    manifest = _manifest(clips, arcs, options, profile, fam, info_source, free_gb, free_source, dry_run, t_start,
                         client, degraded)
    write_json(out / "manifest.json", manifest)
    return manifest


def _render(clips: list[Clip], options: VideoOptions, out: Path, client, ledger, emit: Event) -> None:
    from .media import frames_md5, probe

    for n, clip in enumerate(c for c in clips if c.repeat == 0):
        if n and options.free_between:
            client.free(unload_models=False, free_memory=False)
        emit("start", {"clip": clip.name})
        result = client.run(clip.graph, clip.graph_hash, ledger=ledger, timeout=options.timeout,
                            on_event=lambda kind, data, name=clip.name: emit(kind, {**data, "clip": name}))
        _download(clip, result, out / f"{clip.name}.mp4", client)
        clip.md5 = frames_md5(out / clip.file)
        info = probe(out / clip.file)
        clip.size = [info.width, info.height, info.frames, round(info.fps, 3)]
        emit("done", {"clip": clip.name, "status": clip.status})


def _download(clip: Clip, result, dest: Path, client) -> None:
    files = result.files()
    if not files:
        raise ReelmindError(f"ComfyUI finished {clip.name} without an output file", "check the graph's SaveVideo node")
    f = files[0]
    dest.write_bytes(client.view(f["filename"], f.get("subfolder", ""), f.get("type", "output")))
    clip.file = str(dest.relative_to(dest.parents[1] if dest.parent.name == "repeat" else dest.parent))
    clip.prompt_id, clip.status, clip.seconds = result.prompt_id, result.status, result.seconds


def _repeat(clips: list[Clip], options: VideoOptions, out: Path, client, ledger, emit: Event) -> None:
    """Rerun the ``repeat_seed`` clips once (cache freed first, so the server really recomputes)."""
    from .media import frames_md5

    (out / "repeat").mkdir(exist_ok=True)
    for clip in [c for c in clips if c.seed == options.repeat_seed and c.repeat == 0]:
        client.free(unload_models=False, free_memory=True)
        graph = json.loads(json.dumps(clip.graph))
        graph["save"]["inputs"]["filename_prefix"] = f"reelmind/repeat/{clip.name}"
        h = graph_hash(graph)
        rep = Clip(clip.name + "_r1", clip.keyframe, clip.character, clip.start, clip.emotion, clip.seed, graph, h,
                   clip.clamp, repeat=1)
        write_json(out / "graphs" / f"{rep.name}.{h[:12]}.json", graph)
        emit("start", {"clip": rep.name})
        result = client.run(graph, h, ledger=ledger, timeout=options.timeout,
                            on_event=lambda kind, data, name=rep.name: emit(kind, {**data, "clip": name}))
        _download(rep, result, out / "repeat" / f"{rep.name}.mp4", client)
        rep.md5 = frames_md5(out / rep.file)
        clips.append(rep)
        emit("done", {"clip": rep.name, "status": rep.status})


def _judge(clips: list[Clip], out: Path, judge, degraded: list[str]) -> None:
    from .checks import FaceJudge

    try:
        judge = judge or FaceJudge()
    except ReelmindError as exc:
        degraded.append(f"scatter not measured: {exc}")
        return
    for clip in clips:
        if clip.repeat == 0 and clip.file:
            clip.judge = judge.judge(out / clip.file, out / ".faces" / clip.name)


def _arcs(clips: list[Clip], options: VideoOptions, out: Path, degraded: list[str]) -> list[dict]:
    from .stitch import stitch

    arcs = []
    by_char: dict[tuple[str, int], list[Clip]] = {}
    for c in clips:
        if c.repeat == 0 and c.file:
            by_char.setdefault((c.character, c.seed), []).append(c)
    for (character, seed), group in sorted(by_char.items()):
        group.sort(key=lambda c: (c.start, c.keyframe))
        name = f"arcs/{_slug(character)}_{options.mode.replace('+', '-')}_s{seed}.mp4"
        try:
            result = stitch([out / c.file for c in group], out / name, options.crossfade)
        except (ReelmindError, InputMediaError) as exc:
            degraded.append(f"arc {name} not stitched: {exc}")
            continue
        arcs.append({"character": character, "seed": seed, "file": name, **result,
                     "clips": [c.file for c in group]})
    return arcs


def _manifest(clips, arcs, options, profile, fam, info_source, free_gb, free_source, dry_run, t_start, client,
              degraded) -> dict:
    from .checks import intended_face_emotion, scatter

    main = [c for c in clips if c.repeat == 0]
    repro = {}
    for rep in (c for c in clips if c.repeat):
        first = next(c for c in main if c.name == rep.name[:-3])
        repro[first.name] = {"seed": first.seed, "md5": first.md5, "md5_repeat": rep.md5,
                             "reproducible": bool(first.md5) and first.md5 == rep.md5}
    judged = {}
    for c in main:
        if c.judge:
            key = f"k{c.keyframe:04d}"
            judged.setdefault(key, {"intended": intended_face_emotion(c.emotion), "dominant": {}})["dominant"][str(c.seed)] = c.judge["dominant"]
    sc = scatter(judged).as_dict() if judged else None
    return {
        "mode": options.mode, "profile": profile.name, "family": fam, "precision": profile.precision,
        "comfyui": None if client is None else client.url, "dry_run": dry_run, "validated_against": info_source,
        "free_vram_gb": free_gb, "free_vram_source": free_source, "seeds": list(options.seeds),
        "options": {k: v for k, v in dataclasses.asdict(options).items()},
        "clips": [{"name": c.name, "file": c.file, "keyframe": c.keyframe, "character": c.character, "start": c.start,
                   "emotion": c.emotion, "seed": c.seed, "repeat": c.repeat, "graph_hash": c.graph_hash,
                   "graph": f"graphs/{c.name}.{c.graph_hash[:12]}.json", "prompt_id": c.prompt_id, "status": c.status,
                   "clamp": c.clamp, "seconds": c.seconds, "md5": c.md5, "size": c.size, "warnings": c.warnings,
                   "faces": c.judge} for c in clips],
        "reproducibility": repro, "scatter": sc, "arcs": arcs, "degraded": degraded,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t_start)),
        "seconds": round(time.time() - t_start, 3),
    }
