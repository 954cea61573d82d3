"""Data bridge: fused dataset (Parquet or the seed's 14-column CSV) -> one moment per utterance.

Each utterance becomes one moment of its speaker with a fused (valence, arousal, emotion):
the text, face (FER) and voice (SER) channels are averaged with content-adaptive weights
chosen from the measured data quality (:func:`choose_weights`: the film's FER tier by the one rule
of :mod:`reelmind.core.emotion`, its bridge profile, and the SER / text coverage checks),
renormalised per row over the channels that row actually has. Scenes are cut where the film has
a gap > ``scene_gap_s``.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core import DATASET_COLUMNS, DataFileError, DatasetTable, FaceTable, RecordError
from reelmind.core.emotion import (BRIDGE_PROFILES, CIRCUMPLEX, NEUTRAL_AROUSAL, bridge_profile, bridge_weights, classify_fer,
                                   face_label, fer_stats, nearest_emotion)
from reelmind.core.records import MomentTable

from .types import ChannelWeights

log = logging.getLogger("reelmind.cognition.bridge")

_REQUIRED = ("character", "dialogue", "start_time", "end_time")
_FLOATS = ("start_time", "end_time", "text_confidence", "arousal", "valence", "dominance", "face_confidence")
_LISTS = ("listener", "listener_emotion")
_NONE_MARKS = {"", "-", "—", "none", "nan", "null", "n/a"}


@dataclass(frozen=True)
class BridgeOptions:
    scene_gap_s: float = 20.0  # a gap longer than this between utterances starts a new scene
    weights: str = "auto"  # "auto" (from measured quality) | "old_film" | "hd"
    ser_min_arousal_range: float = 0.2  # SER arousal range below this disables the voice channel


# ------------------------------------------------------------------ reading
def _parse_float(value: str, path: Path, line: int, col: str) -> float:
    s = value.strip()
    if s.lower() in _NONE_MARKS:
        return math.nan
    try:
        return float(s)
    except ValueError:
        raise DataFileError(f"{path}:{line}: column {col!r} expects a number, got {s[:40]!r}") from None


def _parse_bool(value: str, path: Path, line: int) -> bool:
    s = value.strip().lower()
    if s in ("1", "true", "yes", "y", "t", "conflict"):
        return True
    if s in ("0", "false", "no", "n", "f") or s in _NONE_MARKS:
        return False
    raise DataFileError(f"{path}:{line}: column 'conflict' expects true/false, got {value[:40]!r}")


def _csv_rows(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, fields)]) of a UTF-8 CSV; blank lines skipped, field counts checked."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise DataFileError(f"{path}: empty CSV file (expected a header with {', '.join(required)})")
    rows = list(csv.reader(text.splitlines()))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(f"{path}: CSV header lacks column(s) {', '.join(missing)} (has {', '.join(header)[:120]})")
    body = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise DataFileError(f"{path}:{line}: {len(row)} fields, header has {len(header)}")
        body.append((line, row))
    return header, body


def read_dataset_csv(path: str | Path) -> DatasetTable:
    """The seed's multimodal_dataset.csv (14 columns; extra columns ignored) as a DatasetTable."""
    path = Path(path)
    header, body = _csv_rows(path, _REQUIRED)
    idx = {c: header.index(c) for c in DATASET_COLUMNS if c in header}
    cols: dict[str, list] = {c: [] for c in idx}
    for line, row in body:
        for c, i in idx.items():
            v = row[i]
            if c in _FLOATS:
                cols[c].append(_parse_float(v, path, line, c))
            elif c == "conflict":
                cols[c].append(_parse_bool(v, path, line))
            elif c in _LISTS:  # the seed's layout joins list cells with ';'
                s = v.strip()
                cols[c].append(() if s.lower() in _NONE_MARKS else tuple(x.strip() for x in s.split(";")))
            else:
                s = v.strip()
                cols[c].append("" if s.lower() in _NONE_MARKS and c != "dialogue" else s)
    kwargs = {c: v if c in _LISTS else np.asarray(v, dtype=object if c not in _FLOATS and c != "conflict" else None)
              for c, v in cols.items()}
    if not cols["character"]:
        kwargs = {}
    try:
        return DatasetTable(**kwargs, meta={"source": path.name})
    except RecordError as exc:
        raise DataFileError(f"{path}: {exc}") from None


def read_fer_csv(path: str | Path) -> FaceTable:
    """The seed's FER CSV (``person, emotion, file, confidence``; ``file`` = "<seconds>.jpg") as a FaceTable."""
    path = Path(path)
    header, body = _csv_rows(path, ("person", "emotion", "file", "confidence"))
    ip, ie, i_f, ic = (header.index(c) for c in ("person", "emotion", "file", "confidence"))
    time, person, emotion, conf = [], [], [], []
    for line, row in body:
        time.append(_parse_float(Path(row[i_f].strip()).stem, path, line, "file (time stem)"))
        conf.append(_parse_float(row[ic], path, line, "confidence"))
        person.append(row[ip].strip())
        emotion.append(face_label(row[ie]))
    n = len(time)
    return FaceTable(time=np.asarray(time, np.float64), box=np.full((n, 4), np.nan, np.float32), det_conf=np.ones(n, np.float32),
                     person=np.asarray(person, dtype=object), emotion=np.asarray(emotion, dtype=object),
                     emotion_conf=np.asarray(conf, np.float32), meta={"source": path.name})


def load_dataset(path: str | Path) -> DatasetTable:
    """A dataset from ``.parquet`` (DatasetTable) or ``.csv`` (the seed's layout)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_dataset_csv(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return DatasetTable.read_parquet(path)
    raise DataFileError(f"{path}: unknown dataset format {path.suffix!r} (expected .parquet or .csv)")


# ------------------------------------------------------------------ channel quality and weights
def measure_quality(ds: DatasetTable, faces: FaceTable | None = None) -> dict[str, float]:
    """Coverage and reliability figures of the three channels.

    With ``faces`` (every FER detection, e.g. the seed's FER CSV) the FER neutral ratio and
    mean confidence are measured over all detections, not only the faces matched to speech.
    """
    n = max(len(ds), 1)
    neutral, conf, coverage, n_faces = fer_stats(ds.face_emotion, ds.face_confidence)
    if faces is not None and len(faces):
        neutral, conf, _, n_det = fer_stats(faces.emotion, faces.emotion_conf)
        coverage, n_faces = max(coverage, 1.0 if n_det else 0.0), max(n_faces, n_det)
    text = np.array([face_label(x) for x in ds.text_emotion], dtype=object)
    aro = ds.arousal.astype(np.float64)
    fin = np.isfinite(aro)
    return {
        "rows": float(len(ds)),
        "fer_faces": float(n_faces),
        "fer_coverage": coverage,
        "fer_neutral_ratio": neutral if n_faces else math.nan,
        "fer_mean_conf": conf if n_faces else math.nan,
        "text_coverage": float((text != "").sum() / n),
        "ser_coverage": float(fin.sum() / n),
        "ser_arousal_range": float(aro[fin].max() - aro[fin].min()) if fin.any() else 0.0,
    }


def choose_weights(quality: dict[str, float], options: BridgeOptions = BridgeOptions()) -> ChannelWeights:
    """Content-adaptive channel weights: the FER tier (core rule) picks the profile and the face
    weight (:func:`reelmind.core.emotion.bridge_weights`); a flat SER or absent text drops its channel."""
    if options.weights not in ("auto", *BRIDGE_PROFILES):
        raise DataFileError(f"bridge option weights={options.weights!r}: expected auto, {' or '.join(BRIDGE_PROFILES)}")
    n_faces = int(quality["fer_faces"])
    tier = classify_fer(quality["fer_neutral_ratio"] if n_faces else 0.0, quality["fer_mean_conf"] if n_faces else 0.0,
                        quality["fer_coverage"], n_faces)
    profile = bridge_profile(tier.tier, options.weights)
    text, face, voice = bridge_weights(tier.tier, options.weights)
    why = f"FER {tier.tier}: {tier.reason}"
    if options.weights != "auto":
        why = f"forced by option weights={options.weights}; measured {why}"
    ser_range = quality["ser_arousal_range"]
    ser_ok = quality["ser_coverage"] > 0 and ser_range >= options.ser_min_arousal_range
    if not ser_ok:
        voice = 0.0
        why += f"; SER disabled (arousal range {ser_range:.2f} < {options.ser_min_arousal_range})"
    if quality["text_coverage"] == 0:
        text = 0.0
    total = text + face + voice
    if total <= 0:
        text, face, voice, total = 1.0, 0.0, 0.0, 1.0
    return ChannelWeights(
        text=round(text / total, 6), face=round(face / total, 6), voice=round(voice / total, 6),
        fer_tier=tier.tier, ser_enabled=bool(ser_ok), rule=f"{profile} profile: {why}",
        measured={k: (round(v, 6) if math.isfinite(v) else None) for k, v in quality.items()},  # type: ignore[misc]
    )


# ------------------------------------------------------------------ scenes and fusion
def scene_index(start: np.ndarray, end: np.ndarray, gap_s: float) -> np.ndarray:
    """Scene number per row (rows in any order): a new scene starts after a gap > ``gap_s``."""
    order = np.lexsort((end, start))
    scenes = np.zeros(len(start), dtype=np.int64)
    s, last_end = 0, -math.inf
    for i in order:
        if start[i] - last_end > gap_s and last_end > -math.inf:
            s += 1
        scenes[i] = s
        last_end = max(last_end, end[i])
    return scenes


def _channel(label: str, conf: float) -> tuple[float, float, float] | None:
    if not label:
        return None
    c = conf if math.isfinite(conf) else 0.5
    c = min(max(c, 0.0), 1.0)
    v, a = CIRCUMPLEX[label]
    return v * c, NEUTRAL_AROUSAL + (a - NEUTRAL_AROUSAL) * c, c


def fuse_row(text: str, tconf: float, face: str, fconf: float, val: float, aro: float,
             w: ChannelWeights) -> tuple[float, float, str, float, tuple[float, float, float]]:
    """(valence, arousal, emotion, confidence, (text, face, voice) weights used) of one utterance:
    the film's weights renormalised over the channels this row has."""
    parts: list[tuple[float, float, float, float]] = []  # weight, valence, arousal, conf
    used = [0.0, 0.0, 0.0]
    votes: dict[str, float] = {}
    for k, (label, conf, weight) in enumerate(((text, tconf, w.text), (face, fconf, w.face))):
        ch = _channel(label, conf)
        if ch is not None and weight > 0:
            parts.append((weight, *ch))
            used[k] = weight
            votes[label] = votes.get(label, 0.0) + weight * ch[2]
    if w.voice > 0 and math.isfinite(val) and math.isfinite(aro):
        parts.append((w.voice, float(np.clip(val, -1, 1)), float(np.clip(aro, 0, 1)), 1.0))
        used[2] = w.voice
    if not parts:
        return 0.0, NEUTRAL_AROUSAL, "neutral", 0.0, (0.0, 0.0, 0.0)
    tot = sum(p[0] for p in parts)
    v = sum(p[0] * p[1] for p in parts) / tot
    a = sum(p[0] * p[2] for p in parts) / tot
    c = sum(p[0] * p[3] for p in parts) / tot
    if votes:
        emotion = max(sorted(votes), key=lambda k: votes[k])
    else:
        emotion = nearest_emotion(v, a)
    return v, a, emotion, c, (used[0] / tot, used[1] / tot, used[2] / tot)


def bridge(ds: DatasetTable, options: BridgeOptions = BridgeOptions(),
           faces: FaceTable | None = None) -> tuple[MomentTable, ChannelWeights]:
    """Fused per-character moments (sorted by time, then character) and the film's weights."""
    weights = choose_weights(measure_quality(ds, faces), options)
    n = len(ds)
    start = ds.start_time.astype(np.float64)
    end = ds.end_time.astype(np.float64)
    scenes = scene_index(start, end, options.scene_gap_s) if n else np.zeros(0, np.int64)
    v, a, c = np.zeros(n), np.zeros(n), np.zeros(n)
    w = np.zeros((n, 3))
    emo = np.empty(n, dtype=object)
    for i in range(n):
        v[i], a[i], emo[i], c[i], w[i] = fuse_row(
            face_label(ds.text_emotion[i]), float(ds.text_confidence[i]),
            face_label(ds.face_emotion[i]), float(ds.face_confidence[i]),
            float(ds.valence[i]), float(ds.arousal[i]), weights)
    chars = np.array([str(x).strip() or "unknown" for x in ds.character], dtype=object)
    idx = source_rows(ds)
    table = MomentTable(
        character=chars[idx], row=idx, scene=scenes[idx], time=start[idx], valence=v[idx], arousal=a[idx],
        dominance=ds.dominance[idx], emotion=emo[idx], confidence=c[idx], dialogue=ds.dialogue[idx],
        w_text=w[idx, 0], w_face=w[idx, 1], w_voice=w[idx, 2],
    )
    log.info("bridge: %d moments, %d characters, %d scenes, weights %s", n, len(set(chars)), int(scenes.max()) + 1 if n else 0, weights.rule)
    return table, weights


def source_rows(ds: DatasetTable) -> np.ndarray:
    """Row of ``ds`` behind each moment of :func:`bridge` (sorted by time, then character, then row)."""
    start = ds.start_time.astype(np.float64)
    chars = [str(x).strip() or "unknown" for x in ds.character]
    return np.asarray(sorted(range(len(ds)), key=lambda i: (start[i], chars[i], i)), dtype=np.int64)
