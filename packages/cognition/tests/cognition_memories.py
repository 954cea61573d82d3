"""Constructed memories for the memory-store tests and the 50k benchmark (deterministic).

Texts cycle through 210 distinct sentences (lines repeat in films); ids, times and metadata are unique.
"""

from __future__ import annotations

from reelmind.cognition.memory_store import Memory, memory_id

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
CHARS = ("Scarlett", "Rhett", "Melanie", "Ashley", "Mammy", "Gerald")
PLACES = ("at Tara", "in Atlanta", "on the staircase", "at the ball", "in the hospital", "by the fire", "in the garden")
ACTS = ("argues about money", "laughs at a joke", "weeps for a friend", "refuses to leave", "confesses love",
        "fears the soldiers", "mocks the guests", "waits for news", "counts the cotton", "prays in silence")


def make_memories(n: int, film: str = "testfilm", unique: bool = False) -> list[Memory]:
    """``n`` memories; ``unique`` appends the moment number so every text (and embedding) differs."""
    out = []
    for i in range(n):
        c = CHARS[i % len(CHARS)]
        e = EMOTIONS[(i * 3) % len(EMOTIONS)]
        t = 1.5 * i
        text = f"{c} {ACTS[(i // 7) % len(ACTS)]} {PLACES[(i // 3) % len(PLACES)]}, feeling {e}" + (f" (moment {i})" if unique else "")
        out.append(Memory(id=memory_id(film, c, t, "moment"), film=film, character=c, time=t, kind="moment",
                          tier="stm" if i % 4 else "candidate", text=text, emotion=e,
                          valence=round(((i * 37) % 200) / 100 - 1, 2), arousal=round(((i * 53) % 100) / 100, 2),
                          surprise=-1.0, scene=i // 50))
    return out
