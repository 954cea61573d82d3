"""The 5th channel: micro events of the speaker and listeners per utterance, and suppression.

``micro_events`` of a row lists every micro event of the row's speaker (``person_id``) or listeners
(``listener_ids``) whose apex lies inside the utterance, as ``'<person>@<apex s>:<class>'`` (the
recogniser's class, else the AU proxy's code, e.g. ``AU9``). ``suppression`` is the rule
:data:`RULE`: a positive macro face (the seed's example: happy) of a person co-occurring with a
negative micro event of the same person in the utterance.
"""

from __future__ import annotations

import numpy as np

from reelmind.core.emotion import polarity
from reelmind.core.records import MicroEventTable

RULE = ("suppression when a micro event of negative polarity (recogniser class angry/disgust/fear/sad..., or without "
        "a recogniser the AU proxy AU4 brow lower / AU9 nose wrinkle / AU15 lip-corner down / AU24 lip press) of the "
        "speaker or of a listener has its apex inside the utterance [start, end], while the row gives that same person a "
        "positive macro face emotion (face_emotion of the speaker's face, listener_emotion of the listener)")


def _tag(ev: MicroEventTable, i: int, label: str) -> str:
    cls = ev.emotion[i] or (ev.au[i].split(" ")[0] if ev.au[i] else "unclassified")
    return f"{label}@{float(ev.apex[i]):.2f}:{cls}"


def micro_columns(rows: dict[str, np.ndarray], events: MicroEventTable | None, offset_s: float) -> dict[str, np.ndarray]:
    """``micro_events``, ``suppression`` and ``suppression_rule`` for the dataset rows built by fuse."""
    n = len(rows["start_time"])
    lists = np.empty(n, dtype=object)
    lists[:] = [()] * n
    flags = np.zeros(n, bool)
    rules = np.full(n, "", dtype=object)
    if events is None:
        return {"micro_events": lists, "suppression": flags, "suppression_rule": rules}
    rules[:] = RULE
    apex = np.asarray(events.apex, dtype=np.float64) - offset_s
    pids = np.asarray(events.person_id)
    pol = np.asarray(events.polarity) if events.polarity is not None else np.zeros(len(events), np.int64)
    for r in range(n):
        start, end = float(rows["start_time"][r]), float(rows["end_time"][r])
        inside = np.flatnonzero((apex >= start) & (apex <= end))
        if not inside.size:
            continue
        who = {int(rows["person_id"][r]): (rows["character"][r],
                                            rows["face_emotion"][r] if rows["face_person"][r] == rows["character"][r] else "")}
        for pid, lab, emo in zip(rows["listener_ids"][r], rows["listener"][r], rows["listener_emotion"][r]):
            who.setdefault(int(pid), (lab, emo))
        tags = []
        for i in inside:
            pid = int(pids[i])
            if pid < 0 or pid not in who:
                continue
            label, macro = who[pid]
            tags.append(_tag(events, i, label))
            if pol[i] < 0 and macro and polarity(macro) > 0:
                flags[r] = True
        lists[r] = tuple(tags)
    return {"micro_events": lists, "suppression": flags, "suppression_rule": rules}
