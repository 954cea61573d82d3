"""Relationship influence: bilingual major events, interaction impacts, cumulative memory."""

from __future__ import annotations

import numpy as np
import pytest

from reelmind.cognition.dunbar import run_dunbar
from reelmind.cognition.influence import InfluenceOptions, detect_event, interaction_events
from reelmind.core.records import DatasetTable


@pytest.mark.parametrize("text, name, mult", [
    ("You betrayed me!", "betrayal", 3.0),
    ("你竟然背叛了我", "betrayal", 3.0),
    ("I would die for you.", "sacrifice", 3.0),
    ("他為了我犧牲了一切", "sacrifice", 3.0),
    ("I love you, Ashley.", "confession", 2.5),
    ("我愛你", "confession", 2.5),
    ("You saved my life.", "rescue", 2.5),
    ("I'll kill you", "threat", 2.0),
    ("對不起", "apology", 1.5),
    ("Thank you, Mammy", "gratitude", 1.5),
    ("再見了", "farewell", 1.5),
])
def test_bilingual_major_events(text, name, mult):
    ev = detect_event(text)
    assert ev is not None and ev.name == name and ev.multiplier == mult


def test_plain_lines_are_not_events():
    assert detect_event("Tomorrow is another day.") is None
    assert detect_event("") is None


def dataset(lines) -> DatasetTable:
    cols = list(zip(*lines))
    n = len(lines)
    return DatasetTable(character=np.array(cols[0], dtype=object), dialogue=np.array(cols[1], dtype=object),
                        start_time=np.arange(n, dtype=np.float64) * 2, end_time=np.arange(n, dtype=np.float64) * 2 + 1,
                        text_emotion=np.array(cols[2], dtype=object), valence=np.array(cols[3], dtype=np.float64),
                        listener=[tuple(x.split(";")) if x else () for x in cols[4]],
                        listener_emotion=[tuple(x.split(";")) if x else () for x in cols[5]])


def test_interaction_impacts_hand_computed():
    ds = dataset([
        ("A", "I love you.", "joy", 0.4, "B", "happy"),  # speech v = (0.8 + 0.4)/2 = 0.6; confession x2.5
        ("B", "You betrayed me.", "neutral", 0.2, "A", ""),  # v = (0 + 0.2)/2 = 0.1 -> forced to -0.5; betrayal x3
        ("C", "Nice weather.", "joy", float("nan"), "", ""),  # no listener: no event
    ])
    ev = interaction_events(ds)
    assert ev.names == ("A", "B", "C")  # every speaker is a node, even without interactions
    o = InfluenceOptions()
    got = [(ev.names[i], ev.names[j], round(x, 6), e) for i, j, x, e in zip(ev.receiver, ev.actor, ev.raw, ev.event)]
    assert got == [
        ("B", "A", round(o.gain * (o.familiarity + 0.6 * 2.5), 6), "confession"),
        ("A", "B", round(o.gain * (o.familiarity + 0.8), 6), ""),  # B's happy face
        ("A", "B", round(o.gain * (o.familiarity - 0.5 * 3.0), 6), "betrayal"),
        ("B", "A", round(o.gain * (o.familiarity + 0.0), 6), ""),  # A's reaction unseen
    ]


def test_cumulative_positive_negative_memory():
    ds = dataset([("A", "I love you.", "joy", 0.4, "B", "happy"), ("A", "I hate you, fool.", "anger", -0.6, "B", "sad"),
                  ("A", "Thank you.", "joy", 0.5, "B", "happy")])
    g = run_dunbar(interaction_events(ds))
    mem = {(m.receiver, m.actor): m for m in g.memories}
    b_a = mem[("B", "A")]
    assert (b_a.positive, b_a.negative, b_a.neutral) == (2, 1, 0)
    assert b_a.events == {"confession": 1, "gratitude": 1, "insult": 1}
    # intimacy = sum of applied impacts - decay over the 4 s between first and last line
    assert float(g.intimacy[g.names.index("B"), g.names.index("A")]) == pytest.approx(b_a.impact - 0.005 * 4 / 60)
    assert b_a.polarity == pytest.approx(1 / 3)
