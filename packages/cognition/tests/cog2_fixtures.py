"""Constructed films for the issue-7 tests (OCEAN, Dunbar, scoring, reports)."""

from __future__ import annotations

import numpy as np

from reelmind.core.records import DatasetTable

#: (speaker, line, text emotion, face emotion, voice valence, voice arousal, listeners, listener emotions)
SCRIPT = [
    ("Scarlett", "Good morning, Mammy. What a lovely day.", "joy", "happy", 0.6, 0.55, "Mammy", "happy"),
    ("Mammy", "Miss Scarlett, you eat something first!", "anger", "angry", -0.4, 0.8, "Scarlett", "angry"),
    ("Scarlett", "I won't. Thank you, Mammy, but no.", "neutral", "neutral", 0.0, 0.4, "Mammy", "neutral"),
    ("Rhett", "You're no lady, Miss O'Hara.", "neutral", "happy", 0.2, 0.5, "Scarlett", "angry"),
    ("Scarlett", "And you, sir, are no gentleman!", "anger", "angry", -0.6, 0.9, "Rhett", "happy"),
    ("Rhett", "I love you. The truth is I always have.", "joy", "happy", 0.5, 0.6, "Scarlett", "surprise"),
    ("Scarlett", "You betrayed me. You lied to me!", "anger", "happy", -0.7, 0.85, "Rhett", "sad"),
    ("Melanie", "Scarlett, dear, please forgive him.", "sadness", "sad", -0.3, 0.3, "Scarlett;Rhett", "sad;neutral"),
    ("Scarlett", "Melanie, thank you. You saved my life.", "joy", "happy", 0.7, 0.6, "Melanie", "happy"),
    ("Melanie", "I would sacrifice anything for you.", "joy", "happy", 0.6, 0.5, "Scarlett", "happy"),
    ("Rhett", "Frankly, my dear, I don't give a damn. Goodbye.", "disgust", "disgust", -0.5, 0.6, "Scarlett", "sad"),
    ("Scarlett", "Where shall I go? What shall I do?", "fear", "fear", -0.6, 0.75, "", ""),
    ("Mammy", "Lord, Lord, Miss Scarlett.", "sadness", "sad", -0.5, 0.3, "Scarlett", "sad"),
    ("Scarlett", "Tomorrow is another day!", "joy", "surprise", 0.5, 0.8, "Mammy", "happy"),
    ("Gerald", "Land is the only thing that matters.", "neutral", "neutral", 0.1, 0.5, "Scarlett", "neutral"),
    ("Scarlett", "我愛你, Tara.", "joy", "happy", 0.4, 0.5, "Gerald", "happy"),
]


def make_film(repeats: int = 3, gap_every: int = 8, seed: int = 7) -> DatasetTable:
    """The script ``repeats`` times, 4 s per line, a 30 s gap (scene cut) every ``gap_every`` lines."""
    rng = np.random.default_rng(seed)
    rows = []
    t = 0.0
    for r in range(repeats):
        for k, (who, line, te, fe, v, a, lis, lemo) in enumerate(SCRIPT):
            if (r * len(SCRIPT) + k) and (r * len(SCRIPT) + k) % gap_every == 0:
                t += 30.0
            jitter = 0.05 * r
            rows.append((who, line, t, t + 3.0, te, 0.6 + 0.1 * rng.random(), a - jitter, v + jitter, 0.3 + 0.4 * rng.random(),
                         fe, 0.55 + 0.3 * rng.random(), lis, lemo))
            t += 4.0
    cols = list(zip(*rows))
    fp = np.array([1 if fe == "happy" else -1 if fe in ("angry", "sad", "fear", "disgust") else 0 for fe in cols[9]])
    tp = np.array([1 if te == "joy" else -1 if te in ("anger", "sadness", "fear", "disgust") else 0 for te in cols[4]])
    conflict = (fp * tp) < 0
    return DatasetTable(
        character=np.array(cols[0], dtype=object), dialogue=np.array(cols[1], dtype=object),
        start_time=np.array(cols[2]), end_time=np.array(cols[3]), text_emotion=np.array(cols[4], dtype=object),
        text_confidence=np.array(cols[5]), arousal=np.array(cols[6]), valence=np.array(cols[7]),
        dominance=np.array(cols[8]), face_emotion=np.array(cols[9], dtype=object), face_confidence=np.array(cols[10]),
        listener=[_people(x) for x in cols[11]], listener_emotion=[_people(x) for x in cols[12]], conflict=conflict,
    )


def _people(cell: str) -> tuple[str, ...]:
    """The script's ';'-joined cell as the dataset's list cell."""
    return tuple(cell.split(";")) if cell else ()


def groundtruth_dataset(truth_json) -> DatasetTable:
    """The ground-truth film's dataset as perfect perception would fuse it (from its ground_truth.json).

    Speaker, line, times, listeners and the planted conflict come from the ground truth; the face
    emotion is each person's posed expression (speaker's face only when on screen); the text
    emotion follows the scripted polarity (+1 joy, -1 anger, 0 surprise). No voice ground truth
    exists (flite voices), so arousal/valence stay unmeasured (NaN).
    """
    import json
    from pathlib import Path

    truth = json.loads(Path(truth_json).read_text(encoding="utf-8"))
    persons = truth["persons"]
    rows = []
    for ln in truth["lines"]:
        face = persons[ln["speaker"]]["emotion"] if ln["speaker_on_screen"] else ""
        text = {1: "joy", -1: "anger", 0: "surprise"}[ln["text_polarity"]]
        rows.append((ln["speaker"], ln["text"], ln["start"], ln["end"], text, face, 0.9 if face else np.nan,
                     tuple(ln["listeners"]), tuple(persons[p]["emotion"] for p in ln["listeners"]), bool(ln["conflict"])))
    c = list(zip(*rows))
    n = len(rows)
    return DatasetTable(
        character=np.array(c[0], dtype=object), dialogue=np.array(c[1], dtype=object), start_time=np.array(c[2]),
        end_time=np.array(c[3]), text_emotion=np.array(c[4], dtype=object), text_confidence=np.full(n, 0.9),
        face_emotion=np.array(c[5], dtype=object), face_confidence=np.array(c[6], dtype=np.float64),
        listener=list(c[7]), listener_emotion=list(c[8]), conflict=np.array(c[9]),
        meta={"film": truth["film"]},
    )
