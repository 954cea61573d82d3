"""OCEAN traits against hand-computed values, and the personality stage on a constructed film."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from reelmind.cognition.influence import PairMemory
from reelmind.cognition.ocean import TRAITS, infer_personality
from reelmind.cognition.types import Transition
from reelmind.core.records import DatasetTable

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import make_film  # noqa: E402


def tr(i: int, kind: str, stability: float, rank: float, a: str = "neutral", b: str = "happy") -> Transition:
    return Transition(character="A", index=i, time=float(i), prev_time=float(i - 1), from_emotion=a, to_emotion=b, type=kind,
                      distance=0.5, d_valence=0.5, d_arousal=0.0, stability=stability, surprise=0.1, surprise_rank=rank,
                      trigger="", scene=0, scene_cut=False, rule="test")


def test_traits_hand_computed():
    ds = DatasetTable(
        character=np.array(["A"] * 4, dtype=object), dialogue=np.array(["a", "b", "c", "d"], dtype=object),
        start_time=np.arange(4.0), end_time=np.arange(4.0) + 0.5,
        text_emotion=np.array(["joy", "anger", "neutral", "joy"], dtype=object),
        face_emotion=np.array(["happy", "angry", "", "sad"], dtype=object),
        arousal=np.array([0.2, 0.8, 0.5, 0.5]), valence=np.array([0.5, -0.5, 0.0, 0.5]),
        dominance=np.array([0.2, 0.4, np.nan, 0.6]))
    trans = [tr(1, "SUDDEN", 0.2, 0.9), tr(2, "NATURAL", 0.8, 0.1), tr(3, "GRADUAL", 0.6, 0.8)]
    mem = [PairMemory("B", "A", 3, 1, 0, 0.2, {}), PairMemory("A", "B", 0, 5, 0, -0.1, {})]  # only A as actor counts
    p = infer_personality("A", ds, trans, [0.1, 0.3], hotspots=2, memories=mem)
    c = {k: p.traits[k].components for k in TRAITS}
    # O: 4 emotions (happy, angry, neutral, sad) / 7 ; 2/3 in the top surprise quartile -> min(1, 4/3)
    assert c["O"] == {"variety": round(4 / 7, 4), "surprise_frequency": 1.0}
    # C: the SUDDEN step is followed by a NATURAL one -> 1 ; volatility 0.2/0.5 ; arousal std sqrt(0.045)
    assert c["C"] == {"stability_recovery": 1.0, "low_volatility": 0.6, "arousal_control": round(1 - 2 * math.sqrt(0.045), 4)}
    # E: mean arousal 0.5 ; 3 of 4 lines show a non-neutral emotion
    assert c["E"] == {"mean_arousal": 0.5, "expression_density": 0.75}
    # A: +3 (joy, joy, happy) vs -3 (anger, angry, sad) ; (1 + (3-1)/4)/2 ; 1 - mean(0.2, 0.4, 0.6)
    assert c["A"] == pytest.approx({"positive_ratio": 0.5, "social_polarity": 0.75, "low_dominance": 0.6})
    # N: p10 of (0.2, 0.6, 0.8) = 0.28 ; 1 sudden of 3 -> 2/3 ; 2 hotspots / 3
    assert c["N"] == pytest.approx({"instability_floor": 0.72, "sudden_density": 0.6667, "hotspots": 0.6667})
    for k in TRAITS:
        assert p.traits[k].value == pytest.approx(sum(c[k].values()) / len(c[k]), abs=1e-4)
        assert p.traits[k].evidence
    assert "2 trauma hotspots" in p.traits["N"].evidence


def test_no_lstm_surprise_uses_label_changes():
    ds = DatasetTable(character=np.array(["A"] * 2, dtype=object), dialogue=np.array(["a", "b"], dtype=object),
                      start_time=np.arange(2.0), end_time=np.arange(2.0) + 0.5)
    trans = [tr(1, "NATURAL", 0.9, math.nan, "sad", "sad"), tr(2, "GRADUAL", 0.9, math.nan, "sad", "happy")]
    p = infer_personality("A", ds, trans, [], hotspots=0, memories=[])
    assert p.traits["O"].components["surprise_frequency"] == 0.5
    assert "no LSTM surprise" in p.traits["O"].evidence
    assert p.traits["A"].components == {"positive_ratio": 0.5, "social_polarity": 0.5, "low_dominance": 0.5}


def test_personality_stage_contrast_and_hotspot_source():
    from reelmind.cognition.moments import STAGE as MOMENTS
    from reelmind.cognition.personality import STAGE, personalities_from
    from reelmind.cognition.social import STAGE as SOCIAL

    ds = make_film()
    arts = {"dataset": ds, **MOMENTS.run({"dataset": ds}, MOMENTS.make_options({"lstm": {"enabled": False}}))}
    arts.update(SOCIAL.run({"dataset": ds}))
    out = STAGE.run({k: arts[k] for k in STAGE.inputs})["personality"]
    assert len(out) == 5 * 5 and out.meta["hotspots"].startswith("consolidation rule")
    people = {p.character: p for p in personalities_from(out)}
    assert list(people) == ["Scarlett", "Rhett", "Mammy", "Melanie", "Gerald"]  # most lines first
    vals = {c: people[c].values() for c in ("Scarlett", "Gerald")}
    assert all(0.0 <= v <= 1.0 for x in vals.values() for v in x.values())
    # Scarlett shows 5 emotions loudly; Gerald one, calmly
    assert vals["Scarlett"]["O"] > vals["Gerald"]["O"]
    assert vals["Scarlett"]["E"] > vals["Gerald"]["E"]
    assert vals["Scarlett"]["N"] > vals["Gerald"]["N"]
    assert "no LSTM surprise" in people["Scarlett"].traits["O"].evidence
    # agreeableness reads the social stage's interactions: with none, social polarity is neutral
    empty = type(arts["social"]).empty(nodes=[])
    alone = personalities_from(STAGE.run({**{k: arts[k] for k in STAGE.inputs}, "social": empty})["personality"])
    assert alone[0].traits["A"].components["social_polarity"] == 0.5
    assert people["Scarlett"].traits["A"].components["social_polarity"] != 0.5
