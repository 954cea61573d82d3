"""The fuse step: faces + utterances (+ speech emotion) -> one DatasetTable row per utterance."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reelmind.core.emotion import CONFLICT_FACE_FACTOR, FACE_EMOTIONS, fer_tier
from reelmind.core.provenance import provenance
from reelmind.core.records import DatasetTable, FaceTable, MicroEventTable, SpeechEmotionFrames, UtteranceTable

from . import conflict as cf
from .identity import IdentityMap, link_speakers, prominence
from .kernels import WindowAggregate, pick_backend, window_aggregate
from .micro import micro_columns
from .offset import Offset, detect_offset
from .options import FuseOptions
from .ser import SerLookup, lookup

log = logging.getLogger("reelmind.fuse.fuse")

BEFORE, DURING, AFTER = 0, 1, 2
Progress = Callable[[float, str], None]


@dataclass
class FaceInputs:
    """Faces sorted by time, with dense person codes, areas and class probabilities."""

    times: np.ndarray
    codes: np.ndarray
    areas: np.ndarray
    probs: np.ndarray
    person_ids: np.ndarray  # code -> person id
    labels: list[str]  # code -> person label
    emotions: np.ndarray
    confidences: np.ndarray


@dataclass
class Choice:
    """The speaking face of one utterance."""

    code: int = -1
    window: str = "none"  # before / during / after / expanded_5s / none
    fallback: str = "none"  # identity / largest_face / speaker_offscreen / no_faces
    emotion: str = ""
    confidence: float = float("nan")


@dataclass
class FuseReport:
    """Film-level decisions, echoed into the dataset's metadata."""

    offset: Offset
    identity: dict = field(default_factory=dict)
    fer_tier: dict = field(default_factory=dict)
    ser: dict = field(default_factory=dict)
    kernel_backend: str = ""
    counts: dict = field(default_factory=dict)


def face_inputs(faces: FaceTable) -> FaceInputs:
    """Sort faces by time, code person ids densely, derive areas and probabilities."""
    order = np.argsort(faces.time, kind="stable")
    f = faces.take(order) if len(faces) else faces
    pid = np.asarray(f.person_id, dtype=np.int64)
    ids = np.unique(pid[pid >= 0])
    codes = np.where(pid >= 0, np.searchsorted(ids, pid), -1).astype(np.int64)
    labels = []
    for p in ids:
        named = Counter(x for x in f.person[pid == p] if x)
        labels.append(named.most_common(1)[0][0] if named else f"person_{int(p)}")
    box = np.asarray(f.box, dtype=np.float64).reshape(-1, 4)
    areas = np.clip(box[:, 2] - box[:, 0], 0, None) * np.clip(box[:, 3] - box[:, 1], 0, None)
    probs = np.array(f.emotion_probs, dtype=np.float32).reshape(-1, len(FACE_EMOTIONS))
    # rows with a label but no probabilities: one-hot at the label's confidence
    missing = ~np.isfinite(probs).any(axis=1)
    index = {e: k for k, e in enumerate(FACE_EMOTIONS)}
    for j in np.flatnonzero(missing):
        k = index.get(f.emotion[j])
        if k is not None:
            probs[j] = 0.0
            conf = float(f.emotion_conf[j])
            probs[j, k] = conf if np.isfinite(conf) else 1.0
    emotions = np.asarray(f.emotion, dtype=object).copy()
    confs = np.asarray(f.emotion_conf, dtype=np.float64).copy()
    derive = np.array([not e for e in emotions], dtype=bool) & np.isfinite(probs).any(axis=1)
    if derive.any():  # label from probabilities where the vision stage gave only those
        k = np.nanargmax(np.where(np.isfinite(probs[derive]), probs[derive], -1), axis=1)
        emotions[derive] = np.asarray(FACE_EMOTIONS, dtype=object)[k]
        confs[derive] = probs[derive][np.arange(k.size), k]
    return FaceInputs(np.asarray(f.time, dtype=np.float64), codes, areas, probs, ids, labels, emotions, confs)


def _emotion(prob_sum: np.ndarray, count: int) -> tuple[str, float]:
    if count <= 0 or not np.any(prob_sum > 0):
        return "", float("nan")
    mean = prob_sum / count
    k = int(np.argmax(mean))
    return FACE_EMOTIONS[k], float(mean[k])


def _pick_window(agg: WindowAggregate, i: int, code: int) -> int | None:
    """During if the person is there, else the side window where they appear most."""
    c = agg.count[i, :, code]
    if c[DURING] > 0:
        return DURING
    if c[BEFORE] > 0 or c[AFTER] > 0:
        return BEFORE if c[BEFORE] > c[AFTER] else AFTER
    return None


def _largest(agg: WindowAggregate, prom_row: np.ndarray, i: int) -> tuple[int, int] | None:
    """(code, window) of the most prominent face during, else before/after."""
    if prom_row.size and prom_row.max() > 0:
        return int(np.argmax(prom_row)), DURING
    for w in (BEFORE, AFTER):
        if agg.count[i, w].size and agg.count[i, w].max() > 0:
            score = agg.count[i, w] * np.maximum(agg.max_area[i, w], 1e-9)
            return int(np.argmax(score)), w
    return None


def choose_face(i: int, linked: int, agg: WindowAggregate, wide: WindowAggregate, prom_row: np.ndarray,
                options: FuseOptions) -> Choice:
    """The speaking face: the person linked to the voice, else the most prominent face; the
    5 s expanded window (confidence capped) when the 3 windows hold nothing."""
    names = ("before", "during", "after")
    if linked >= 0:
        w = _pick_window(agg, i, linked)
        if w is not None:
            emo, conf = _emotion(agg.prob_sum[i, w, linked], int(agg.count[i, w, linked]))
            return Choice(linked, names[w], "identity", emo, conf)
        n_wide = int(wide.count[i, :, linked].sum())
        if n_wide:
            emo, conf = _emotion(wide.prob_sum[i, :, linked].sum(axis=0), n_wide)
            return Choice(linked, "expanded_5s", "identity", emo, min(conf, options.expand_confidence))
        return Choice(linked, "none", "speaker_offscreen")
    best = _largest(agg, prom_row, i)
    if best is not None:
        code, w = best
        emo, conf = _emotion(agg.prob_sum[i, w, code], int(agg.count[i, w, code]))
        return Choice(code, names[w], "largest_face", emo, conf)
    totals = wide.count[i].sum(axis=0)
    if totals.size and totals.max() > 0:
        code = int(np.argmax(totals * np.maximum(wide.max_area[i].max(axis=0), 1e-9)))
        emo, conf = _emotion(wide.prob_sum[i, :, code].sum(axis=0), int(totals[code]))
        return Choice(code, "expanded_5s", "largest_face", emo, min(conf, options.expand_confidence))
    return Choice(fallback="no_faces")


def listeners_of(i: int, speaker_code: int, linked: int, agg: WindowAggregate, min_frames: int) -> list[tuple[int, str]]:
    """Non-speaking persons on screen during utterance ``i`` with their mean emotion, most frames first."""
    c = agg.count[i, DURING]
    out = []
    for code in np.argsort(-c, kind="stable"):
        if c[code] < max(1, min_frames) or code in (speaker_code, linked):
            continue
        emo, _ = _emotion(agg.prob_sum[i, DURING, code], int(c[code]))
        out.append((int(code), emo))
    return out


def fuse(faces: FaceTable, utterances: UtteranceTable, speech_emotion: SpeechEmotionFrames | None = None,
         options: FuseOptions | None = None, progress: Progress | None = None,
         micro_events: MicroEventTable | None = None) -> DatasetTable:
    """Align the three timelines and build the multimodal dataset (one row per utterance)."""
    options = options or FuseOptions()
    if options.text_vote not in ("mass", "label"):
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"stages.fuse.text_vote: unknown value {options.text_vote!r}; known: mass, label")
    progress = progress or (lambda frac, msg: None)
    n = len(utterances)
    fi = face_inputs(faces)
    starts, ends = np.asarray(utterances.start), np.asarray(utterances.end)
    offset = detect_offset(fi.times, starts, ends, mode=options.offset_mode, gap=options.offset_gap,
                           fixed=options.offset, max_lag=options.offset_max_lag, min_gain=options.offset_min_gain,
                           min_lines=options.offset_min_lines)
    times = fi.times - offset.seconds
    progress(0.1, f"offset {offset.seconds:+.2f}s")
    P = len(fi.person_ids)
    backend = pick_backend(options.kernel_backend)  # type: ignore[arg-type]
    film = Film(fi, times, starts, ends, backend, options)
    # pass 1: prominence of every person during every line (n x P), chunked to bound the kernel's output
    prom = np.zeros((n, P))
    for sl in film.chunks():
        agg = film.aggregate(sl, options.before, options.after)
        prom[sl] = prominence(agg.count[:, DURING], agg.max_area[:, DURING])
    progress(0.4, f"matched {n} utterances x {len(times)} faces ({backend})")

    speakers = np.asarray(utterances.speaker, dtype=object)
    names = sorted({s for s in speakers if s})
    spk_code = np.array([names.index(s) if s else -1 for s in speakers], dtype=np.int64)
    idmap = link_speakers(spk_code, len(names), prom, options.identity_min_lift)
    ser = lookup(utterances, speech_emotion, options.ser_tolerance, options.ser_fallback_tolerance,
                 options.ser_min_arousal_range)
    tier = fer_tier(fi.emotions, fi.confidences)
    w_face = options.weight_face * CONFLICT_FACE_FACTOR[tier.tier]
    w_voice = 0.0 if ser.disabled else options.weight_voice
    progress(0.6, f"identity links {int((idmap.person_of >= 0).sum())}/{len(names)}, FER {tier.tier}")

    rows = _rows(film, utterances, prom, idmap, spk_code, ser, (w_face, w_voice), offset.seconds, progress)
    rows.update(micro_columns(rows, micro_events, offset.seconds, faces))
    report = FuseReport(
        offset=offset,
        identity={names[s]: {"person_id": int(fi.person_ids[p]), "label": fi.labels[p], "lift": round(float(idmap.lift[s, p]), 4)}
                  for s, p in enumerate(idmap.person_of) if p >= 0},
        fer_tier={"tier": tier.tier, "neutral_ratio": tier.neutral_ratio, "mean_confidence": tier.mean_conf,
                  "reason": tier.reason, "face_weight": w_face},
        ser={"disabled": ser.disabled, "reason": ser.reason, "voice_weight": w_voice},
        kernel_backend=backend,
        counts={"utterances": n, "faces": len(times), "persons": P, "speakers": len(names),
                "conflicts": int(np.sum(rows["conflict"])), "no_face": int(np.sum(rows["face_window"] == "none")),
                "micro_events": None if micro_events is None else len(micro_events),
                "suppressions": int(np.sum(rows["suppression"]))},
    )
    meta = provenance("fuse", options, dists=("scipy", "numba"), report=_jsonable(report))
    progress(1.0, f"{n} dataset rows, {report.counts['conflicts']} conflicts")
    return DatasetTable(**rows, meta=meta)


@dataclass
class Film:
    """The aligned face timeline and the utterance spans, aggregated chunk by chunk."""

    fi: FaceInputs
    times: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    backend: str
    options: FuseOptions

    def chunks(self) -> list[slice]:
        n, size = len(self.starts), max(1, self.options.chunk_utterances)
        return [slice(a, min(n, a + size)) for a in range(0, n, size)]

    def aggregate(self, sl: slice, before: float, after: float) -> WindowAggregate:
        fi = self.fi
        return window_aggregate(self.times, fi.codes, fi.areas, fi.probs, self.starts[sl], self.ends[sl], before,
                                after, len(fi.person_ids), self.backend)  # type: ignore[arg-type]


def _rows(film: Film, utt: UtteranceTable, prom: np.ndarray, idmap: IdentityMap, spk_code: np.ndarray, ser: SerLookup,
          weights: tuple[float, float], offset_s: float, progress: Progress) -> dict[str, np.ndarray]:
    fi, options, n = film.fi, film.options, len(utt)
    w_face, w_voice = weights
    mass = options.text_vote == "mass"
    rule = (f"conflict when the voting channels (weight > 0, confidence >= {options.min_channel_confidence}, non-neutral) "
            f"hold both polarities and the weaker side has >= {options.conflict_min_share:.0%} of weight x confidence; "
            + (f"face: FER label polarity x FER confidence; text: polarity mass max(P(joy), P(anger+disgust+fear+sadness)), "
               f"votes if >= {options.text_min_polarity:.2f}; voice: valence sign outside +-{options.valence_deadzone}; "
               if mass else "")
            + ("the text channel must vote (the only channel measured on labelled polarity); " if options.conflict_needs_text
               else "")
            + f"weights face {w_face:.3f}, voice {w_voice:.3f}, text {options.weight_text:.3f}")
    cols: dict[str, list] = {k: [] for k in (
        "character", "face_emotion", "face_confidence", "listener", "listener_emotion", "listener_ids", "conflict",
        "conflict_channels", "conflict_rule", "face_window", "face_fallback", "person_id", "face_person")}
    unidentified = len(fi.times) > 0 and not len(fi.person_ids)
    text_probs = np.asarray(utt.text_probs, dtype=np.float64).reshape(n, 7)
    for sl in film.chunks():
        agg = film.aggregate(sl, options.before, options.after)
        wide = film.aggregate(sl, options.expand_window, options.expand_window)
        for i in range(sl.start, sl.stop):
            j = i - sl.start
            linked = int(idmap.person_of[spk_code[i]]) if spk_code[i] >= 0 else -1
            choice = choose_face(j, linked, agg, wide, prom[i], options)
            if unidentified and choice.fallback == "no_faces":
                choice.fallback = "unidentified_faces"  # faces exist but the vision stage gave no person ids
            lis = listeners_of(j, choice.code, linked, agg, options.listener_min_frames)
            who = linked if linked >= 0 else choice.code
            cols["character"].append(fi.labels[who] if who >= 0 else (utt.speaker[i] or "unknown"))
            cols["face_emotion"].append(choice.emotion)
            cols["face_confidence"].append(choice.confidence)
            cols["face_person"].append(fi.labels[choice.code] if choice.code >= 0 and choice.emotion else "")
            cols["person_id"].append(int(fi.person_ids[who]) if who >= 0 else -1)
            cols["listener"].append(tuple(fi.labels[c] for c, _ in lis))
            cols["listener_emotion"].append(tuple(e or "unknown" for _, e in lis))
            cols["listener_ids"].append(tuple(int(fi.person_ids[c]) for c, _ in lis))
            channels = [cf.label_channel("face", choice.emotion, choice.confidence, w_face),
                        cf.voice_channel(float(ser.valence[i]), options.valence_deadzone, w_voice),
                        cf.text_channel(text_probs[i] if mass else None, utt.text_emotion[i], float(utt.text_conf[i]),
                                        options.weight_text, options.text_min_polarity)]
            cols["conflict"].append(cf.is_conflict(channels, options.min_channel_confidence, options.conflict_min_share,
                                                   ("text",) if options.conflict_needs_text else ()))
            cols["conflict_channels"].append(tuple(cf.describe(channels)))
            cols["conflict_rule"].append(rule)
            cols["face_window"].append(choice.window)
            cols["face_fallback"].append(choice.fallback)
        progress(0.6 + 0.4 * sl.stop / max(1, n), f"row {sl.stop}/{n}")
    numeric = {"face_confidence": np.float32, "person_id": np.int64, "conflict": bool}
    out = {}
    for k, v in cols.items():
        if k in numeric:
            out[k] = np.array(v, dtype=numeric[k])
        else:
            out[k] = np.empty(len(v), dtype=object)
            out[k][:] = v
    out.update(
        dialogue=np.asarray(utt.text, dtype=object), start_time=np.asarray(utt.start), end_time=np.asarray(utt.end),
        text_emotion=np.asarray(utt.text_emotion, dtype=object), text_confidence=np.asarray(utt.text_conf),
        arousal=ser.arousal, valence=ser.valence, dominance=ser.dominance,
        speaker_id=np.asarray(utt.speaker, dtype=object), ser_fallback=ser.provenance,
        offset_applied=np.full(n, offset_s),
        text_model=_text_models(utt),
    )
    return out


def _text_models(utt: UtteranceTable) -> np.ndarray:
    """The model that made each line's text emotion (from the utterances, or their meta for older tables)."""
    out = np.empty(len(utt), dtype=object)
    named = [str(x or "") for x in utt.text_model]
    if not any(named):  # utterances written before the column existed: the backend named in their meta
        backend = str(((utt.meta or {}).get("text_emotion") or {}).get("backend", ""))
        named = [backend if lab else "" for lab in utt.text_emotion]
    out[:] = named
    return out


def _jsonable(obj):
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
