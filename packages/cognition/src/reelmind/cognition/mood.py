"""Mid-term mood: an exponentially decaying state that biases how each moment is perceived.

Between two moments the mood relaxes toward the character's baseline with time constant
``tau_s``: ``m <- b + (m - b) * exp(-dt / tau_s)``. The moment is then *perceived* through
the mood (``p = (1 - bias) * x + bias * m``, the emotional-noise effect) and the mood takes
a step ``alpha`` toward what was observed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reelmind.core import ConfigError


@dataclass(frozen=True)
class MoodOptions:
    tau_s: float = 120.0  # decay time constant toward the baseline, seconds
    alpha: float = 0.3  # how far one moment moves the mood
    bias: float = 0.2  # how much the mood colours perception (0 = none)
    baseline: str = "mean"  # "mean" (the character's mean over the film) | "zero" (neutral valence, arousal 0.3)


@dataclass
class MoodTracker:
    """Mood of one character; ``update`` returns the perceived (valence, arousal)."""

    baseline_valence: float = 0.0
    baseline_arousal: float = 0.3
    options: MoodOptions = MoodOptions()

    def __post_init__(self) -> None:
        self.valence = self.baseline_valence
        self.arousal = self.baseline_arousal
        self.time: float | None = None

    def decay_to(self, time: float) -> None:
        if self.time is not None:
            k = math.exp(-max(time - self.time, 0.0) / self.options.tau_s)
            self.valence = self.baseline_valence + (self.valence - self.baseline_valence) * k
            self.arousal = self.baseline_arousal + (self.arousal - self.baseline_arousal) * k
        self.time = time

    def update(self, time: float, valence: float, arousal: float) -> tuple[float, float]:
        self.decay_to(time)
        b = self.options.bias
        pv = (1 - b) * valence + b * self.valence
        pa = (1 - b) * arousal + b * self.arousal
        a = self.options.alpha
        self.valence += a * (valence - self.valence)
        self.arousal += a * (arousal - self.arousal)
        return pv, pa


def track_mood(times: np.ndarray, valence: np.ndarray, arousal: np.ndarray, options: MoodOptions = MoodOptions()) -> dict[str, np.ndarray]:
    """Mood after each moment and perceived values of one character's time-ordered series."""
    if options.baseline == "mean" and len(valence):
        bv, ba = float(np.mean(valence)), float(np.mean(arousal))
    elif options.baseline in ("mean", "zero"):
        bv, ba = 0.0, 0.3
    else:
        raise ConfigError(f"mood baseline {options.baseline!r}: expected 'mean' or 'zero'")
    tracker = MoodTracker(bv, ba, options)
    n = len(times)
    out = {k: np.zeros(n) for k in ("mood_valence", "mood_arousal", "perceived_valence", "perceived_arousal")}
    for i in range(n):
        pv, pa = tracker.update(float(times[i]), float(valence[i]), float(arousal[i]))
        out["perceived_valence"][i], out["perceived_arousal"][i] = pv, pa
        out["mood_valence"][i], out["mood_arousal"][i] = tracker.valence, tracker.arousal
    return out
