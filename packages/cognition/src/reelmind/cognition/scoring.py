"""White-box performance scoring: the seed's 6 dimensions, each 0..10 with a detail string.

Per character, over the rows where the character speaks:

1. **Expression-text consistency** (18 %): mean over rows with a face and a text emotion of
   ``clip(10 - |V(face) - V(text)| * 5, 0, 10)``, ``V`` = circumplex valence of the label.
2. **Voice authenticity** (25 %): mean over rows with a text emotion and measured voice of
   ``clip(10 - 5 * d, 0, 10)``, ``d`` = Euclidean circumplex distance between the voice's
   (valence, arousal) and the text label's point; climactic rows (voice arousal >= 0.7) weigh 1.5x.
3. **Multimodal coherence** (15 %): ``10 * (1 - mean row penalty)``; a row's penalty is the mean
   over its pairs of available channels (face label, voice valence, text label polarities) of
   1 (opposite signs), 0.5 (one neutral, one not) or 0 (same). Rows with < 2 channels are skipped.
4. **Emotion range** (20 %): ``min(10, unique / 7 * 10 + min(1, log10(n) / 2))``, ``unique`` =
   distinct emotions shown (text labels, plus face labels unless FER is degraded), ``n`` = lines.
5. **Emotion transition** (22 %): ``clip(10 - 5 * avg_jump, 0, 10)``, ``avg_jump`` = mean
   (valence, arousal) distance between a character's consecutive moments; steps across a scene
   cut (the film's scenes: a gap > 20 s between consecutive lines, as the bridge cuts them) are
   excluded.
6. **Interaction quality** (10 %, our choice - the seed gives no weight): ``matches / total * 7 + 3``
   over (line, listener) pairs with a seen listener emotion; a match is a listener whose face
   polarity equals the speaker's (text + voice valence, +-0.1 dead band): empathy.

**Weights.** The base weights are 18 / 25 / 15 / 20 / 22 / 10. The film's FER tier (the one rule of
:func:`reelmind.core.emotion.fer_tier`) rescales the FER-driven dimension by ``fer_weight / 0.25`` and
the SER-driven one by ``ser_weight / 0.20`` (:data:`reelmind.core.emotion.SCORE_WEIGHTS`; partial:
expression-text x0.4, voice x1.5 - the seed's FER 25 %→10 %, SER 20 %→30 %; degraded or absent:
expression-text x0 and interaction off, since listener emotions are FER). Dimensions
without data get weight 0. The remaining weights are divided by their sum, so the shown
weights always add up to 100 % and the total is their weighted mean.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from reelmind.core.records import DatasetTable
from reelmind.core.stage import runtime_option

from reelmind.core.emotion import (CIRCUMPLEX, FerTier, FerTierThresholds, arousal_of, face_label, fer_tier, label_polarity,
                                   valence_of, voice_polarity)

from .bridge import scene_index
from .influence import speech_valence

log = logging.getLogger("reelmind.cognition.scoring")

#: (key, English name, base weight)
DIMENSIONS: tuple[tuple[str, str, float], ...] = (
    ("expression_text", "Expression-Text Consistency", 0.18),
    ("voice_authenticity", "Voice Authenticity", 0.25),
    ("coherence", "Multimodal Coherence", 0.15),
    ("range", "Emotion Range", 0.20),
    ("transition", "Emotion Transition", 0.22),
    ("interaction", "Interaction Quality", 0.10),
)
N_EMOTIONS = len(CIRCUMPLEX)


@dataclass(frozen=True)
class ScoringOptions:
    climax_arousal: float = 0.7  # voice arousal at or above which a line is climactic
    climax_weight: float = 1.5
    scene_gap_s: float = 20.0  # a gap longer than this between consecutive lines of the film is a scene cut
    min_lines: int = 1  # characters with fewer lines are not scored
    backend: str = runtime_option("numba")  # numba | numpy (transition jumps): same figures
    tier: FerTierThresholds = field(default_factory=FerTierThresholds)


@dataclass(frozen=True)
class DimensionScore:
    key: str
    name: str
    score: float | None  # None: no data for this dimension
    base_weight: float
    weight: float  # after FER tier and normalisation
    n: int
    detail: str


@dataclass(frozen=True)
class CharacterScore:
    character: str
    total: float | None
    lines: int
    dimensions: tuple[DimensionScore, ...]

    def to_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------- dimension formulas
def expression_text(face: Sequence[str], text: Sequence[str]) -> tuple[float | None, int]:
    fv, tv = valence_of(face), valence_of(text)
    ok = np.isfinite(fv) & np.isfinite(tv)
    if not ok.any():
        return None, 0
    s = np.clip(10.0 - np.abs(fv[ok] - tv[ok]) * 5.0, 0.0, 10.0)
    return float(s.mean()), int(ok.sum())


def voice_authenticity(text: Sequence[str], valence: np.ndarray, arousal: np.ndarray,
                       climax_arousal: float = 0.7, climax_weight: float = 1.5) -> tuple[float | None, int, int]:
    """(score, rows used, climactic rows)."""
    tv, ta = valence_of(text), arousal_of(text)
    v = np.asarray(valence, dtype=np.float64)
    a = np.asarray(arousal, dtype=np.float64)
    ok = np.isfinite(tv) & np.isfinite(v) & np.isfinite(a)
    if not ok.any():
        return None, 0, 0
    d = np.hypot(v[ok] - tv[ok], a[ok] - ta[ok])
    s = np.clip(10.0 - 5.0 * d, 0.0, 10.0)
    climax = a[ok] >= climax_arousal
    w = np.where(climax, climax_weight, 1.0)
    return float((s * w).sum() / w.sum()), int(ok.sum()), int(climax.sum())


def pair_penalty(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """1 for opposite signs, 0.5 when exactly one is neutral, 0 when equal (NaN if either missing)."""
    out = np.where(p == q, 0.0, np.where((p == 0) | (q == 0), 0.5, 1.0))
    return np.where(np.isfinite(p) & np.isfinite(q), out, np.nan)


def coherence(face_pol: np.ndarray, voice_pol: np.ndarray, text_pol: np.ndarray) -> tuple[float | None, int]:
    pens = np.vstack([pair_penalty(face_pol, voice_pol), pair_penalty(face_pol, text_pol),
                      pair_penalty(voice_pol, text_pol)])
    have = np.isfinite(pens).any(axis=0)
    if not have.any():
        return None, 0
    with np.errstate(invalid="ignore"):
        row = np.nanmean(pens[:, have], axis=0)
    return float(10.0 * (1.0 - row.mean())), int(have.sum())


def emotion_range(labels: Sequence[str], n_lines: int) -> tuple[float | None, list[str]]:
    uniq = sorted({face_label(x) for x in labels} - {""})
    if n_lines <= 0 or not uniq:
        return None, uniq
    bonus = min(1.0, math.log10(n_lines) / 2.0)
    return float(min(10.0, len(uniq) / N_EMOTIONS * 10.0 + bonus)), uniq


def transition_score(avg_jump: float | None) -> float | None:
    return None if avg_jump is None else float(np.clip(10.0 - 5.0 * avg_jump, 0.0, 10.0))


def interaction_quality(matches: int, total: int) -> float | None:
    return None if total == 0 else matches / total * 7.0 + 3.0


# ----------------------------------------------------------------------------- transition jumps (hot loop)
def jumps_numpy(group: np.ndarray, scene: np.ndarray, v: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (rows sorted by group then time): (sum of jumps, jumps counted, scene cuts).

    A step between consecutive rows of a group is a scene cut when their scene ids differ; steps
    touching a NaN point are skipped.
    """
    g = int(group.max()) + 1 if len(group) else 0
    total, count, cuts = np.zeros(g), np.zeros(g, dtype=np.int64), np.zeros(g, dtype=np.int64)
    if len(group) < 2:
        return total, count, cuts
    same = group[1:] == group[:-1]
    cut = same & (scene[1:] != scene[:-1])
    d = np.hypot(v[1:] - v[:-1], a[1:] - a[:-1])
    use = same & ~cut & np.isfinite(d)
    np.add.at(total, group[1:][use], d[use])
    np.add.at(count, group[1:][use], 1)
    np.add.at(cuts, group[1:][cut], 1)
    return total, count, cuts


def _jumps_loop(group, scene, v, a):
    g = 0
    for i in range(group.shape[0]):
        if group[i] + 1 > g:
            g = group[i] + 1
    total = np.zeros(g)
    count = np.zeros(g, dtype=np.int64)
    cuts = np.zeros(g, dtype=np.int64)
    for i in range(1, group.shape[0]):
        if group[i] != group[i - 1]:
            continue
        if scene[i] != scene[i - 1]:
            cuts[group[i]] += 1
            continue
        d = math.hypot(v[i] - v[i - 1], a[i] - a[i - 1])
        if math.isfinite(d):
            total[group[i]] += d
            count[group[i]] += 1
    return total, count, cuts


_JUMPS_NUMBA: Callable | None = None


def jumps(group, scene, v, a, backend: str = "numba"):
    """Transition jumps per group; Numba kernel with :func:`jumps_numpy` as reference/fallback."""
    global _JUMPS_NUMBA
    group = np.ascontiguousarray(group, dtype=np.int64)
    scene = np.ascontiguousarray(scene, dtype=np.int64)
    if not (len(group) == len(scene) == len(v) == len(a)):
        raise ValueError("jumps: group, scene, v and a must have the same length")
    args = [scene] + [np.ascontiguousarray(x, dtype=np.float64) for x in (v, a)]
    if len(group) and group.min() < 0:
        raise ValueError("jumps: group ids must be >= 0")
    if backend == "numpy" or len(group) == 0:
        return jumps_numpy(group, *args)
    if _JUMPS_NUMBA is None:
        try:
            import numba
        except ImportError:
            log.warning("numba is not installed (pip install numba): using the NumPy jump reference")
            return jumps_numpy(group, *args)
        _JUMPS_NUMBA = numba.njit(cache=True)(_jumps_loop)
    return _JUMPS_NUMBA(group, *args)


def moment_points(ds: DatasetTable) -> tuple[np.ndarray, np.ndarray]:
    """(valence, arousal) per row: measured voice where present, else the text label, else the face label."""
    v = np.asarray(ds.valence, dtype=np.float64).copy()
    a = np.asarray(ds.arousal, dtype=np.float64).copy()
    for labels in (ds.text_emotion, ds.face_emotion):
        lv, la = valence_of(labels), arousal_of(labels)
        miss = ~np.isfinite(v) | ~np.isfinite(a)
        v[miss], a[miss] = lv[miss], la[miss]
    return v, a


# ----------------------------------------------------------------------------- engine
def face_usable(tier: FerTier) -> bool:
    """Whether the face channel is scored at all (not in the degraded or absent tier)."""
    return tier.tier not in ("degraded", "absent")


def tier_multipliers(tier: FerTier) -> dict[str, float]:
    w = tier.channel_weights
    mult = {k: 1.0 for k, _, _ in DIMENSIONS}
    mult["expression_text"] = w["fer"] / 0.25
    mult["voice_authenticity"] = w["ser"] / 0.20
    if not face_usable(tier):
        mult["interaction"] = 0.0
    return mult


def score_film(dataset: DatasetTable, options: ScoringOptions = ScoringOptions(), *,
               transitions: Sequence | None = None, tier: FerTier | None = None,
               progress: Callable[[float, str], None] | None = None) -> tuple[FerTier, list[CharacterScore]]:
    """Score every character of a film; ``transitions`` (analysis ``Transition`` records) replace
    the dataset-derived jumps when given (their ``distance`` and ``scene_cut``)."""
    tier = tier or fer_tier(dataset.face_emotion, dataset.face_confidence, options.tier)
    use_face = face_usable(tier)
    chars = sorted({str(c) for c in dataset.character if c})
    # transition jumps for all characters in one pass
    code = {c: i for i, c in enumerate(chars)}
    rows = np.array([i for i in range(len(dataset)) if dataset.character[i]], dtype=np.int64)
    grp = np.array([code[str(dataset.character[i])] for i in rows], dtype=np.int64)
    order = rows[np.lexsort((dataset.start_time[rows], grp))] if len(rows) else rows
    pv, pa = moment_points(dataset)
    if transitions is None:
        gs = np.array([code[str(dataset.character[i])] for i in order], dtype=np.int64)
        scenes = scene_index(dataset.start_time, dataset.end_time, options.scene_gap_s) if len(dataset) else np.zeros(0, np.int64)
        jt, jc, jcut = jumps(gs, scenes[order], pv[order], pa[order], options.backend)
        jump_source = "dataset"
    else:
        jt, jc, jcut = np.zeros(len(chars)), np.zeros(len(chars), dtype=np.int64), np.zeros(len(chars), dtype=np.int64)
        for t in transitions:
            if t.character not in code:
                continue
            k = code[t.character]
            if t.scene_cut:
                jcut[k] += 1
            elif math.isfinite(t.distance):
                jt[k] += t.distance
                jc[k] += 1
        jump_source = "state machine"
    face_pol_all = label_polarity(dataset.face_emotion) if use_face else np.full(len(dataset), np.nan)
    voice_pol_all = voice_polarity(dataset.valence)
    text_pol_all = label_polarity(dataset.text_emotion)
    spk_pol = voice_polarity(speech_valence(dataset))
    mult = tier_multipliers(tier)
    out = []
    for ci, c in enumerate(chars):
        if progress:
            progress(ci / max(len(chars), 1), f"scoring {c}")
        idx = np.flatnonzero(dataset.character == c)
        if len(idx) < options.min_lines:
            continue
        face = dataset.face_emotion[idx]
        text = dataset.text_emotion[idx]
        dims: dict[str, tuple[float | None, int, str]] = {}
        s, n = expression_text(face, text) if use_face else (None, 0)
        note = f"FER {tier.tier}" + (", reduced weight" if mult["expression_text"] < 1 else "")
        dims["expression_text"] = (s, n, f"Based on {n} lines [{note}]" if use_face else f"FER {tier.tier}: not scored ({tier.reason})")
        s, n, k = voice_authenticity(text, dataset.valence[idx], dataset.arousal[idx], options.climax_arousal, options.climax_weight)
        dims["voice_authenticity"] = (s, n, f"{k} climactic lines (arousal >= {options.climax_arousal:.2f}) weighted {options.climax_weight:g}x, {n} lines with voice" if n else "no measured voice (SER off or degraded)")
        s, n = coherence(face_pol_all[idx], voice_pol_all[idx], text_pol_all[idx])
        conflicts = int(np.count_nonzero(dataset.conflict[idx]))
        dims["coherence"] = (s, n, f"{conflicts}/{len(idx)} modal conflicts detected, {n} lines with >= 2 channels")
        labels = list(text) + (list(face) if use_face else [])
        s, uniq = emotion_range(labels, len(idx))
        dims["range"] = (s, len(idx), f"{len(uniq)} distinct emotions: {', '.join(uniq)}" if uniq else "no emotion labels")
        avg = float(jt[ci] / jc[ci]) if jc[ci] else None
        s = transition_score(avg)
        flow = "no consecutive lines" if avg is None else ("Natural flow" if avg < 0.6 else "Abrupt flow") + f" (mean jump {avg:.2f})"
        dims["transition"] = (s, int(jc[ci]), f"{flow}, {int(jcut[ci])} scene cuts excluded [{jump_source}]")
        matches = total = 0
        if use_face:
            for r in idx:
                for emo in dataset.listener_emotion[r]:
                    lp = label_polarity([emo])[0]
                    if np.isfinite(lp) and np.isfinite(spk_pol[r]):
                        total += 1
                        matches += int(lp == spk_pol[r])
        s = interaction_quality(matches, total)
        dims["interaction"] = (s, total, f"{matches}/{total} listener reactions match the speaker's polarity (empathy)" if total else ("no listener reactions seen" if use_face else f"listener emotions are FER: FER {tier.tier}"))
        raw_w = {k: (bw * mult[k] if dims[k][0] is not None else 0.0) for k, _, bw in DIMENSIONS}
        wsum = sum(raw_w.values())
        ds_ = []
        for key, name, bw in DIMENSIONS:
            sc, n, det = dims[key]
            w = raw_w[key] / wsum if wsum > 0 else 0.0
            ds_.append(DimensionScore(key, name, None if sc is None else round(sc, 6), bw, round(w, 6), n, det))
        total_score = None if wsum <= 0 else round(sum(dims[k][0] * raw_w[k] for k in raw_w if dims[k][0] is not None) / wsum, 6)
        out.append(CharacterScore(c, total_score, len(idx), tuple(ds_)))
    if progress:
        progress(1.0, f"scored {len(out)} characters")
    return tier, out
