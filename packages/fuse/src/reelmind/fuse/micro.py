"""The 5th channel: micro events of the speaker and listeners per utterance, and suppression.

``micro_events`` of a row lists every micro event of the row's speaker (``person_id``) or listeners
(``listener_ids``) whose apex lies inside the utterance, as ``'<person>@<apex s>:<class>'`` (the
recogniser's class, else the AU proxy's code, e.g. ``AU9``). ``suppression`` is the rule
:data:`RULE`: a positive macro face (the seed's example: happy) of a person co-occurring with a
negative micro event of the same person in the utterance.

The microexpr stage reads ``face_tracks`` (no person ids, so naming people does not recompute it):
:func:`persons_of` gives every event the person of the ``faces`` row that holds its face, the row
nearest its apex (within one sampling step) whose box overlaps the event's box most (IoU >= 0.3).
"""

from __future__ import annotations

import numpy as np

from reelmind.core.boxes import iou_matrix
from reelmind.core.emotion import polarity
from reelmind.core.records import FaceTable, MicroEventTable

RULE = ("suppression when a micro event of negative polarity (recogniser class angry/disgust/fear/sad..., or without "
        "a recogniser the AU proxy AU4 brow lower / AU9 nose wrinkle / AU15 lip-corner down / AU24 lip press) of the "
        "speaker or of a listener has its apex inside the utterance [start, end], while the row gives that same person a "
        "positive macro face emotion (face_emotion of the speaker's face, listener_emotion of the listener)")


def _tag(ev: MicroEventTable, i: int, label: str) -> str:
    cls = ev.emotion[i] or (ev.au[i].split(" ")[0] if ev.au[i] else "unclassified")
    return f"{label}@{float(ev.apex[i]):.2f}:{cls}"


def persons_of(events: MicroEventTable, faces: FaceTable, min_iou: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """(person_id, person label) of every event: the ``faces`` row at the event's apex holding its box
    (events without a box or a matching face keep their own, -1 for face_tracks events)."""
    pid = np.asarray(events.person_id, dtype=np.int64).copy()
    label = np.array(events.person if events.person is not None else [""] * len(events), dtype=object)
    if events.box is None or not len(faces) or faces.person_id is None:
        return pid, label
    ft = np.asarray(faces.time, dtype=np.float64)
    fbox = np.asarray(faces.box, dtype=np.float64).reshape(-1, 4)
    fpid = np.asarray(faces.person_id, dtype=np.int64)
    flab = np.asarray(faces.person, dtype=object) if faces.person is not None else np.full(len(faces), "", object)
    steps = np.diff(np.unique(ft))
    tol = float(np.median(steps)) if len(steps) else 0.25
    for i in range(len(events)):
        box = np.asarray(events.box[i], dtype=np.float64)
        if not np.isfinite(box).all():
            continue
        near = np.flatnonzero(np.abs(ft - float(events.apex[i])) <= tol)
        if not near.size:
            continue
        ov = iou_matrix(box, fbox[near])[0]
        ok = (ov >= min_iou) & (fpid[near] >= 0)
        if ok.any():  # the nearest sample time first, then the largest overlap
            k = near[ok][np.lexsort((-ov[ok], np.abs(ft[near[ok]] - float(events.apex[i]))))[0]]
            pid[i], label[i] = fpid[k], flab[k]
    return pid, label


def micro_columns(rows: dict[str, np.ndarray], events: MicroEventTable | None, offset_s: float,
                  faces: FaceTable | None = None) -> dict[str, np.ndarray]:
    """``micro_events``, ``suppression`` and ``suppression_rule`` for the dataset rows built by fuse
    (``faces``: the persons stage's table, to find the person of each event)."""
    n = len(rows["start_time"])
    lists = np.empty(n, dtype=object)
    lists[:] = [()] * n
    flags = np.zeros(n, bool)
    rules = np.full(n, "", dtype=object)
    if events is None:
        return {"micro_events": lists, "suppression": flags, "suppression_rule": rules}
    rules[:] = RULE
    apex = np.asarray(events.apex, dtype=np.float64) - offset_s
    pids = persons_of(events, faces)[0] if faces is not None else np.asarray(events.person_id)
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
