"""A small constructed film for the promptgen tests: the ground-truth film's eleven lines (speakers as
the vision stage labels them) with measured-looking values, and the cognition records the analysis
gives such a film (moments with LSTM surprise, transitions, two scenes, OCEAN, Dunbar edges). An
optional tiny video shows each person as a coloured square where its face rows say."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelmind.core.records import (DatasetTable, FaceTable, MomentTable, PersonalityTable, SceneTable,
                                   SocialEdgeTable, TransitionTable)
from reelmind.eval.groundtruth import SCRIPT
from reelmind.promptgen.engine import FilmInputs

LABEL = {"ann": "person_1", "bea": "person_2", "dan": "person_3", "cleo": "person_4", "eileen": "person_5"}
PID = {"ann": 0, "bea": 1, "dan": 2, "cleo": 3, "eileen": 4}
#: per line: arousal, valence, dominance, face emotion, face confidence, text emotion, LSTM surprise
VALUES = [
    (0.45, 0.55, 0.50, "happy", 0.95, "joy", 0.12),
    (0.82, -0.60, 0.72, "angry", 0.88, "anger", 0.30),
    (0.35, 0.30, 0.45, "happy", 0.90, "neutral", 0.10),
    (0.62, -0.20, 0.40, "surprise", 0.70, "surprise", 0.65),
    (0.40, 0.60, 0.50, "happy", 0.92, "joy", 0.20),
    (0.55, -0.70, 0.38, "", np.nan, "sadness", 0.25),  # reaction shot: the speaker is off screen
    (0.90, -0.50, 0.80, "happy", 0.95, "anger", 0.78),  # the planted conflict
    (0.30, 0.40, 0.30, "happy", 0.90, "neutral", 0.15),
    (0.70, 0.10, 0.50, "surprise", 0.80, "surprise", 0.40),
    (0.76, -0.55, 0.66, "angry", 0.85, "anger", 0.35),
    (0.72, 0.80, 0.62, "happy", 0.97, "joy", 0.20),
]
OCEAN_VALUES = {"ann": (0.69, 0.48, 0.79, 0.41, 0.72), "bea": (0.50, 0.30, 0.60, 0.30, 0.80),
                "cleo": (0.70, 0.50, 0.40, 0.60, 0.40), "dan": (0.40, 0.70, 0.50, 0.75, 0.20)}
EDGES = [("ann", "eileen", "FRIENDS", 0.45), ("bea", "ann", "CLOSE", 0.70), ("ann", "bea", "INTIMATE", 0.85),
         ("cleo", "bea", "ACQUAINTANCE", 0.30), ("bea", "cleo", "STRANGER", 0.10), ("ann", "dan", "INTIMATE", 0.82),
         ("dan", "ann", "CLOSE", 0.66), ("cleo", "dan", "FRIENDS", 0.50)]
COLOURS = {0: (220, 40, 40), 1: (40, 200, 40), 2: (40, 60, 220), 3: (230, 200, 30), 4: (200, 40, 200)}
LINE_STEP, LINE_LEN, SCENE_SPLIT = 2.7, 2.1, 5


def start(i: int) -> float:
    return round(0.5 + LINE_STEP * i, 3)


def dataset() -> DatasetTable:
    n = len(SCRIPT)
    listeners = [tuple(LABEL[p] for p in (line.large, *line.small) if p != line.speaker) for line in SCRIPT]
    lids = [tuple(PID[p] for p in (line.large, *line.small) if p != line.speaker) for line in SCRIPT]
    return DatasetTable(
        character=[LABEL[line.speaker] for line in SCRIPT], dialogue=[line.text for line in SCRIPT],
        start_time=[start(i) for i in range(n)], end_time=[start(i) + LINE_LEN for i in range(n)],
        text_emotion=[v[5] for v in VALUES], text_confidence=np.full(n, 0.8),
        arousal=[v[0] for v in VALUES], valence=[v[1] for v in VALUES], dominance=[v[2] for v in VALUES],
        face_emotion=[v[3] for v in VALUES], face_confidence=[v[4] for v in VALUES],
        listener=listeners, listener_emotion=[tuple("happy" for _ in x) for x in listeners], listener_ids=lids,
        conflict=[i == 6 for i in range(n)], person_id=[PID[line.speaker] for line in SCRIPT],
        speaker_id=[f"SPEAKER_{PID[line.speaker]:02d}" for line in SCRIPT])


def moments(ds: DatasetTable) -> MomentTable:
    n = len(ds)
    return MomentTable(character=ds.character, row=np.arange(n), scene=[int(i >= SCENE_SPLIT) for i in range(n)],
                       time=ds.start_time, valence=ds.valence, arousal=ds.arousal, dominance=ds.dominance,
                       emotion=[v[3] or "sad" for v in VALUES], dialogue=ds.dialogue, surprise=[v[6] for v in VALUES])


def transitions(ds: DatasetTable) -> TransitionTable:
    rows, last = [], {}
    for i, who in enumerate(ds.character):
        if who in last:
            kind = "SUDDEN" if i == 6 else "GRADUAL" if i == 9 else "NATURAL"
            rows.append((who, i, float(ds.start_time[i]), kind, VALUES[last[who]][3] or "sad", VALUES[i][3] or "sad",
                         VALUES[i][6]))
        last[who] = i
    return TransitionTable(character=[r[0] for r in rows], index=np.arange(len(rows)), time=[r[2] for r in rows],
                           type=[r[3] for r in rows], row=[r[1] for r in rows], from_emotion=[r[4] for r in rows],
                           to_emotion=[r[5] for r in rows], surprise=[r[6] for r in rows])


def scenes() -> SceneTable:
    return SceneTable(scene=[0, 1], start=[start(0), start(SCENE_SPLIT)], end=[start(SCENE_SPLIT - 1) + LINE_LEN,
                                                                                start(len(SCRIPT) - 1) + LINE_LEN],
                      gap_before=[0.0, 0.6])


def personality() -> PersonalityTable:
    chars, traits, values = [], [], []
    for who, vals in OCEAN_VALUES.items():
        for t, v in zip("OCEAN", vals):
            chars.append(LABEL[who])
            traits.append(t)
            values.append(v)
    return PersonalityTable(character=chars, trait=traits, value=values)


def social() -> SocialEdgeTable:
    return SocialEdgeTable(source=[LABEL[a] for a, _, _, _ in EDGES], target=[LABEL[b] for _, b, _, _ in EDGES],
                           intimacy=[x for *_, x in EDGES], circle=[c for _, _, c, _ in EDGES])


def faces() -> FaceTable:
    """Each speaker's face in every line it is on screen (the speaker large, others small); one sharper
    frame per person is its best."""
    times, boxes, pids, quality = [], [], [], []
    best = {}  # person -> the last line it is shown large in: its second face row there is its best face
    for i, line in enumerate(SCRIPT):
        best[line.large] = i
    for i, line in enumerate(SCRIPT):
        for k, who in enumerate((line.large, *line.small)):
            x = 20 + 110 * k
            size = 80 if k == 0 else 40
            for j, dt in enumerate((0.25, 1.0)):
                times.append(start(i) + dt)
                boxes.append((x, 60, x + size, 60 + size))
                pids.append(PID[who])
                quality.append(0.9 if k == 0 and j == 1 and best.get(who) == i else 0.5 - 0.01 * i)
    return FaceTable(time=times, box=np.array(boxes, np.float32), det_conf=np.full(len(times), 0.99),
                     person_id=pids, person=[next(LABEL[n] for n, p in PID.items() if p == q) for q in pids],
                     quality=quality)


def film(video: Path | None = None) -> FilmInputs:
    ds = dataset()
    return FilmInputs(dataset=ds, moments=moments(ds), transitions=transitions(ds), scenes=scenes(),
                      personality=personality(), social=social(), faces=faces(), video=video)


def write_video(path: Path, fps: int = 20) -> Path:
    """A 320x240 video whose frames show, at each face row's time, that person's square in its colour."""
    import av

    f = faces()
    duration = start(len(SCRIPT) - 1) + LINE_LEN + 0.5
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=fps)
        st.width, st.height, st.pix_fmt = 320, 240, "yuv420p"
        st.options = {"crf": "10", "g": "10"}
        for n in range(int(duration * fps)):
            t = n / fps
            img = np.full((240, 320, 3), 90, np.uint8)
            near = np.flatnonzero(np.abs(f.time - t) < 0.5 / fps + 1e-6)
            for j in near:
                x1, y1, x2, y2 = (int(v) for v in f.box[j])
                img[y1:y2, x1:x2] = COLOURS[int(f.person_id[j])]
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = n
            for packet in st.encode(frame):
                out.mux(packet)
        for packet in st.encode():
            out.mux(packet)
    return path


def cognition_from(ds: DatasetTable) -> dict:
    """Stand-in cognition records for a real fused dataset, while no installed stage produces them:
    moments carry the dataset's own values (surprise off: NaN), a transition is SUDDEN when a speaker's
    face/text polarity flips, one scene, mid OCEAN values, Dunbar edges from how often two people share
    the screen (INTIMATE from 3 lines up, else ACQUAINTANCE)."""
    from reelmind.core.emotion import face_label, polarity

    n = len(ds)
    emo = [face_label(f) or face_label(t) or "neutral" for f, t in zip(ds.face_emotion, ds.text_emotion)]
    moments = MomentTable(character=ds.character, row=np.arange(n), scene=np.zeros(n, int), time=ds.start_time,
                          valence=np.nan_to_num(ds.valence), arousal=np.nan_to_num(ds.arousal, nan=0.5),
                          dominance=ds.dominance, emotion=emo, surprise=np.full(n, np.nan))
    rows, last = [], {}
    for i, who in enumerate(ds.character):
        if who in last:
            flip = polarity(emo[last[who]]) * polarity(emo[i]) < 0
            rows.append((who, i, float(ds.start_time[i]), "SUDDEN" if flip else "NATURAL"))
        last[who] = i
    transitions = TransitionTable(character=[r[0] for r in rows], index=np.arange(len(rows)), time=[r[2] for r in rows],
                                  type=[r[3] for r in rows], row=[r[1] for r in rows])
    together: dict[tuple[str, str], int] = {}
    for who, lis in zip(ds.character, ds.listener):
        for other in lis:
            together[(who, other)] = together.get((who, other), 0) + 1
    pairs = sorted(together)
    social = SocialEdgeTable(source=[a for a, _ in pairs], target=[b for _, b in pairs],
                             intimacy=[min(1.0, together[p] / 4) for p in pairs],
                             circle=["INTIMATE" if together[p] >= 3 else "ACQUAINTANCE" for p in pairs])
    cast = sorted(set(ds.character))
    personality = PersonalityTable(character=[c for c in cast for _ in "OCEAN"], trait=list("OCEAN") * len(cast),
                                   value=np.full(5 * len(cast), 0.5))
    scenes = SceneTable(scene=[0], start=[float(np.min(ds.start_time))] if n else [0.0])
    return {"moments": moments, "transitions": transitions, "scenes": scenes, "personality": personality, "social": social}
