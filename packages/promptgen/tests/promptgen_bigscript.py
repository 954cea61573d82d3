"""A generated feature-length screenplay (Fountain) and a film that follows it, for the scale tests and
the benchmark: ``scenes`` scenes of 2-4 speeches among a cast, and ``lines`` film lines taken in order
with skipped speeches, ASR-like word errors, a few lines the script does not have, and a few lines
whose film speaker contradicts the script."""

from __future__ import annotations

import numpy as np

WORDS = ("we", "never", "should", "have", "come", "here", "the", "river", "is", "rising", "tell", "me", "why", "you",
         "left", "without", "a", "word", "I", "waited", "all", "night", "for", "your", "letter", "this", "house",
         "was", "my", "mother's", "and", "now", "it", "burns", "they", "are", "coming", "over", "hill", "hold",
         "on", "to", "lantern", "do", "not", "look", "back", "fields", "money", "war", "train", "station", "dawn")
CAST = ("SCARLETT", "RHETT", "MELANIE", "ASHLEY", "MAMMY", "GERALD", "PRISSY", "BELLE")
PLACES = ("TARA", "ATLANTA STATION", "TWELVE OAKS", "PEACHTREE STREET", "THE ROAD", "HOSPITAL")


def _sentence(rng: np.random.Generator, n: int) -> str:
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
    return " ".join(words).capitalize() + "."


def generate(scenes: int = 1400, lines: int = 2000, seed: int = 0):
    """(fountain text, film lines as (text, speaker), index of the speech each line came from or -1)."""
    rng = np.random.default_rng(seed)
    out, speeches = [], []
    for s in range(scenes):
        out += [f"{'INT' if s % 2 else 'EXT'}. {PLACES[s % len(PLACES)]} - {'DAY' if s % 3 else 'NIGHT'}", "",
                _sentence(rng, 10), ""]
        for _ in range(int(rng.integers(2, 5))):
            who = CAST[int(rng.integers(0, len(CAST)))]
            text = _sentence(rng, int(rng.integers(5, 16)))
            out += [_sentence(rng, 7), "", who, text, ""]
            speeches.append((who, text))
    fountain = "\n".join(out) + "\n"
    picks = np.sort(rng.choice(len(speeches), size=min(lines, len(speeches)), replace=False))
    film, source = [], []
    for j in picks:
        who, text = speeches[j]
        words = text.rstrip(".").split()
        if rng.random() < 0.03:  # a line the script does not have (improvised, or an ASR hallucination)
            film.append((_sentence(rng, len(words)), f"film_{who.lower()}"))
            source.append(-1)
            continue
        for _ in range(int(rng.integers(0, 3))):  # ASR word errors
            k = int(rng.integers(0, len(words)))
            words[k] = WORDS[int(rng.integers(0, len(WORDS)))]
        speaker = f"film_{who.lower()}"
        film.append((" ".join(words) + ".", speaker))
        source.append(int(j))
    return fountain, film, source
