"""OCEAN (Big Five) personality inferred from pipeline data - every trait with its evidence.

Each trait is the mean of components in 0..1 (the seed's mapping):

* **O**penness = mean(variety, surprise frequency)
  variety = distinct emotions shown / 7; surprise frequency = min(1, 2 x share of the
  character's transitions in the film's top LSTM-surprise quartile (rank >= 0.75)); without
  LSTM surprise it is the share of transitions that change the emotion label.
* **C**onscientiousness = mean(stability recovery, 1 - volatility, arousal control)
  recovery = share of SUDDEN/TRIGGERED transitions followed within 3 steps by a NATURAL or
  GRADUAL one (1 if there were none); volatility = min(1, mean STM volatility / 0.5);
  arousal control = 1 - min(1, 2 x std of arousal).
* **E**xtraversion = mean(mean arousal, expression density)
  expression density = share of lines showing a non-neutral emotion (text or face).
* **A**greeableness = mean(positive ratio, social polarity, 1 - mean dominance)
  positive ratio = positive / (positive + negative) emotion labels (0.5 if none); social polarity
  = (1 + (positive - negative) / interactions) / 2 over the character's interactions as actor
  (0.5 if none); dominance NaN counts 0.5.
* **N**euroticism = mean(1 - stability floor, sudden-shift density, hotspots)
  stability floor = 10th percentile of transition stability; sudden density = min(1, 2 x
  SUDDEN share); hotspots = min(1, trauma hotspots / 3).

Transitions and STM trends come from the moments stage, hotspots from the memory stage (or the
same consolidation rule over the transitions when that stage is skipped), interactions from the
social stage; :mod:`reelmind.cognition.personality` is the stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from reelmind.core.emotion import face_label, label_polarity
from reelmind.core.records import DatasetTable

from .influence import PairMemory
from .scoring import moment_points
from .types import Transition

TRAITS = ("O", "C", "E", "A", "N")
TRAIT_NAMES = {"O": "Openness", "C": "Conscientiousness", "E": "Extraversion", "A": "Agreeableness", "N": "Neuroticism"}
_ABRUPT = ("SUDDEN", "TRIGGERED")
_CALM = ("NATURAL", "GRADUAL")


@dataclass(frozen=True)
class Trait:
    key: str
    value: float
    components: dict[str, float]
    evidence: str


@dataclass(frozen=True)
class Personality:
    character: str
    traits: dict[str, Trait]
    source: str  # where transitions came from: "analysis" | "dataset"

    def values(self) -> dict[str, float]:
        return {k: self.traits[k].value for k in TRAITS}

    def to_dict(self) -> dict:
        return asdict(self)


def _mean(xs: Sequence[float]) -> float:
    return float(sum(xs) / len(xs))


def _r(x: float) -> float:
    return round(float(x), 4)


def openness(labels: Sequence[str], transitions: Sequence[Transition]) -> Trait:
    uniq = sorted({face_label(x) for x in labels} - {""})
    variety = len(uniq) / 7.0
    ranks = [t.surprise_rank for t in transitions if math.isfinite(t.surprise_rank)]
    if ranks:
        share = sum(r >= 0.75 for r in ranks) / len(ranks)
        freq, how = min(1.0, 2 * share), f"{share:.0%} of {len(ranks)} transitions in the film's top surprise quartile"
    elif transitions:
        share = sum(t.from_emotion != t.to_emotion for t in transitions) / len(transitions)
        freq, how = share, f"no LSTM surprise: {share:.0%} of {len(transitions)} transitions change emotion"
    else:
        freq, how = 0.0, "no transitions"
    comp = {"variety": _r(variety), "surprise_frequency": _r(freq)}
    return Trait("O", _r(_mean(list(comp.values()))), comp, f"{len(uniq)} distinct emotions ({', '.join(uniq) or 'none'}); {how}")


def conscientiousness(transitions: Sequence[Transition], volatility: Sequence[float], arousal: np.ndarray) -> Trait:
    types = [t.type for t in transitions]
    abrupt = [i for i, k in enumerate(types) if k in _ABRUPT]
    recovered = sum(any(k in _CALM for k in types[i + 1: i + 4]) for i in abrupt)
    recovery = recovered / len(abrupt) if abrupt else 1.0
    vol = [v for v in volatility if math.isfinite(v)]
    mean_vol = _mean(vol) if vol else 0.0
    a = arousal[np.isfinite(arousal)]
    a_std = float(a.std()) if a.size else 0.0
    comp = {"stability_recovery": _r(recovery), "low_volatility": _r(1 - min(1.0, mean_vol / 0.5)),
            "arousal_control": _r(1 - min(1.0, 2 * a_std))}
    ev = (f"recovered from {recovered}/{len(abrupt)} abrupt shifts within 3 steps; mean STM volatility "
          f"{mean_vol:.2f}; arousal std {a_std:.2f}")
    return Trait("C", _r(_mean(list(comp.values()))), comp, ev)


def extraversion(arousal: np.ndarray, text: Sequence[str], face: Sequence[str]) -> Trait:
    a = arousal[np.isfinite(arousal)]
    mean_a = float(a.mean()) if a.size else 0.5
    shown = [(face_label(t) not in ("", "neutral")) or (face_label(f) not in ("", "neutral")) for t, f in zip(text, face)]
    density = _mean(shown) if shown else 0.0
    comp = {"mean_arousal": _r(mean_a), "expression_density": _r(density)}
    return Trait("E", _r(_mean(list(comp.values()))), comp,
                 f"mean arousal {mean_a:.2f}; {sum(shown)}/{len(shown)} lines show a non-neutral emotion")


def agreeableness(labels: Sequence[str], as_actor: Sequence[PairMemory], dominance: np.ndarray) -> Trait:
    pol = label_polarity(list(labels))
    pos, neg = int(np.count_nonzero(pol > 0)), int(np.count_nonzero(pol < 0))
    ratio = pos / (pos + neg) if pos + neg else 0.5
    n = sum(m.positive + m.negative + m.neutral for m in as_actor)
    p = sum(m.positive for m in as_actor)
    q = sum(m.negative for m in as_actor)
    social = (1 + (p - q) / n) / 2 if n else 0.5
    d = dominance[np.isfinite(dominance)]
    mean_d = float(d.mean()) if d.size else 0.5
    comp = {"positive_ratio": _r(ratio), "social_polarity": _r(social), "low_dominance": _r(1 - mean_d)}
    ev = f"{pos} positive vs {neg} negative emotions; {p}+/{q}- of {n} interactions toward others; mean dominance {mean_d:.2f}"
    return Trait("A", _r(_mean(list(comp.values()))), comp, ev)


def neuroticism(transitions: Sequence[Transition], hotspots: int) -> Trait:
    stab = np.array([t.stability for t in transitions if math.isfinite(t.stability)])
    floor = float(np.percentile(stab, 10)) if stab.size else 1.0
    sudden = sum(t.type == "SUDDEN" for t in transitions)
    share = sudden / len(transitions) if transitions else 0.0
    comp = {"instability_floor": _r(1 - floor), "sudden_density": _r(min(1.0, 2 * share)),
            "hotspots": _r(min(1.0, hotspots / 3))}
    ev = f"stability floor (p10) {floor:.2f}; {sudden}/{len(transitions)} sudden transitions ({share:.1%}); {hotspots} trauma hotspots"
    return Trait("N", _r(_mean(list(comp.values()))), comp, ev)


def infer_personality(character: str, dataset: DatasetTable, transitions: Sequence[Transition],
                      volatility: Sequence[float], hotspots: int, memories: Sequence[PairMemory],
                      source: str = "analysis", arousal_all: np.ndarray | None = None) -> Personality:
    """OCEAN of one character from its dataset rows and its analysis records.

    ``arousal_all``: per-row arousal of the whole dataset (:func:`moment_points`), to share the
    work when scoring many characters.
    """
    idx = np.flatnonzero(dataset.character == character)
    text, face = list(dataset.text_emotion[idx]), list(dataset.face_emotion[idx])
    if arousal_all is None:
        _, arousal_all = moment_points(dataset)
    arousal = arousal_all[idx]
    own = sorted(transitions, key=lambda t: (t.time, t.index))
    traits = {
        "O": openness(text + face, own),
        "C": conscientiousness(own, volatility, arousal),
        "E": extraversion(arousal, text, face),
        "A": agreeableness(text + face, [m for m in memories if m.actor == character], np.asarray(dataset.dominance[idx], dtype=np.float64)),
        "N": neuroticism(own, hotspots),
    }
    return Personality(character, traits, source)
