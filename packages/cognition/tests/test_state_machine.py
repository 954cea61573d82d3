import numpy as np
import pytest

from reelmind.cognition.state_machine import (StateMachineOptions, character_transitions, classify_step, find_triggers,
                                              stability_baseline)
from reelmind.cognition.tables import transitions_from, transitions_table


@pytest.mark.parametrize("d, same, trigger, rank, expected", [
    (0.1, True, "", 0.1, "NATURAL"),
    (0.1, False, "", 0.1, "GRADUAL"),
    (0.4, True, "", 0.1, "GRADUAL"),
    (0.8, False, "speaker:Ben", 0.5, "TRIGGERED"),
    (0.8, False, "conflict", float("nan"), "TRIGGERED"),
    (0.8, False, "", 0.5, "SUDDEN"),
    (0.4, False, "", 0.99, "SUDDEN"),  # LSTM: highly surprising, untriggered
    (0.4, False, "speaker:Ben", 0.99, "GRADUAL"),
])
def test_transition_types_known_answers(d, same, trigger, rank, expected):
    kind, rule = classify_step(d, same, trigger, rank, 0.5)
    assert kind == expected, rule


def test_neuroticism_lowers_the_stability_baseline_and_thresholds():
    assert stability_baseline(0.0) > stability_baseline(0.5) > stability_baseline(1.0)
    # a 0.5 step: GRADUAL for a calm character, SUDDEN for a neurotic one (0.6 * 0.5/0.75 = 0.4)
    assert classify_step(0.5, False, "", 0.0, 0.0)[0] == "GRADUAL"
    assert classify_step(0.5, False, "", 0.0, 1.0)[0] == "SUDDEN"


def test_character_transitions_on_a_constructed_series():
    t = np.array([0.0, 2.0, 4.0, 40.0, 42.0])
    v = np.array([0.0, 0.05, 0.8, 0.8, -0.6])
    a = np.array([0.3, 0.3, 0.6, 0.6, 0.8])
    emo = np.array(["neutral", "neutral", "happy", "happy", "angry"], dtype=object)
    scenes = np.array([0, 0, 0, 1, 1])
    trig = np.array(["", "", "", "", "speaker:Ben"], dtype=object)
    nan = np.full(5, np.nan)
    tr = character_transitions("Ada", t, v, a, emo, scenes, trig, nan, nan, neuroticism=0.5)
    assert [x.type for x in tr] == ["NATURAL", "SUDDEN", "NATURAL", "TRIGGERED"]
    assert [x.scene_cut for x in tr] == [False, False, True, False]
    assert tr[1].distance == pytest.approx(np.hypot(0.75, 0.3), abs=1e-6)
    assert tr[0].stability > tr[1].stability
    table = transitions_table(tr, rows=[10, 11, 12, 13])
    assert len(table) == 4 and table.type[1] == "SUDDEN" and list(table.row) == [10, 11, 12, 13]
    back = transitions_from(type(table).from_arrow(table.to_arrow()))  # the record round-trips to the same transitions
    assert back == tr or all(a == b or (a.surprise != a.surprise and b.surprise != b.surprise) for a, b in zip(back, tr))


def test_triggers_are_salient_lines_of_others_since_the_last_own_line():
    char = np.array(["Ada", "Ben", "Ada", "Cleo", "Ada", "Ada"], dtype=object)
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 30.0])
    v = np.array([0.0, -0.8, 0.0, 0.1, 0.0, 0.0])
    a = np.array([0.3, 0.9, 0.3, 0.3, 0.3, 0.3])
    conflict = np.array([False, False, False, False, False, True])
    trig = find_triggers(char, t, v, a, conflict, StateMachineOptions())
    # Cleo (first line) was stirred by Ben; Ada at t=4 only heard calm Cleo since her last line
    assert list(trig) == ["", "", "speaker:Ben", "speaker:Ben", "", "conflict"]
