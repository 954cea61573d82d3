"""A constructed fused dataset (a DatasetTable as fuse writes it) with known structure.

Three characters over several scenes separated by 30 s gaps: Ada's valence falls, Ben's rises,
Cleo's stays flat; Ada has a burst of abrupt untriggered swings in scene 2. Channels are
derived from the latent (valence, arousal) with seeded noise, so the data is deterministic.
"""

from __future__ import annotations

import numpy as np

from reelmind.core import DatasetTable
from reelmind.core.emotion import nearest_emotion

TEXT_OF = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "joy", "sad": "sadness",
           "surprise": "surprise", "neutral": "neutral"}
POL = {"angry": -1, "disgust": -1, "fear": -1, "sad": -1, "happy": 1, "surprise": 0, "neutral": 0}


def make_film(n_scenes: int = 6, lines_per_scene: int = 24, seed: int = 7, fer_conf: float = 0.8) -> DatasetTable:
    rng = np.random.default_rng(seed)
    names = ("Ada", "Ben", "Cleo")
    total = n_scenes * lines_per_scene
    rows = []
    t = 5.0
    k = 0
    ada_in_scene = 0
    for s in range(n_scenes):
        ada_in_scene = 0
        for j in range(lines_per_scene):
            c = names[(j + s) % 3]
            frac = k / max(total - 1, 1)
            if c == "Ada":
                v = 0.7 - 1.4 * frac
                if s == 2:  # abrupt swings, nobody salient in between
                    v = 0.8 if ada_in_scene % 2 == 0 else -0.8
                ada_in_scene += 1
            elif c == "Ben":
                v = -0.6 + 1.3 * frac
            else:
                v = 0.05 * np.sin(k)
            v = float(np.clip(v + rng.normal(0, 0.05), -1, 1))
            a = float(np.clip(0.35 + 0.4 * abs(v) + rng.normal(0, 0.05), 0, 1))
            emo = nearest_emotion(v, a)
            others = [x for x in names if x != c]
            fe = emo if rng.random() > 0.15 else "neutral"
            conflict = POL[fe] * POL[emo] < 0
            rows.append(dict(character=c, dialogue=f"{c} line {k}: I feel {emo} about scene {s}.", start_time=round(t, 3),
                             end_time=round(t + 1.5, 3), text_emotion=TEXT_OF[emo], text_confidence=round(0.6 + 0.3 * rng.random(), 3),
                             arousal=round(a, 4), valence=round(v, 4), dominance=round(0.5 + 0.1 * rng.normal(), 4),
                             face_emotion=fe, face_confidence=round(fer_conf * (0.8 + 0.2 * rng.random()), 3),
                             listener=tuple(others[: 1 + (j % 2)]), listener_emotion=("neutral",) * (1 + j % 2),
                             conflict=conflict))
            t += 2.0 + rng.random() * 2.0
            k += 1
        t += 30.0
    cols = {key: [r[key] for r in rows] if isinstance(rows[0][key], tuple) else
            np.array([r[key] for r in rows], dtype=object if isinstance(rows[0][key], str) else None) for key in rows[0]}
    return DatasetTable(**cols, meta={"source": "constructed"})
