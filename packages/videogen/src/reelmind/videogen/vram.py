"""VRAM guard: the seed's peak estimate per tier, and the auto-clamp (frames first, then resolution).

The seed estimates a clip's peak as ``3 GB + 4 MB × (W/32 × H/32 × (F/8 + 1))``. Those constants
reproduce its 12 GB examples but give about twice its stated peaks on the 48 GB (FP8) and 80 GB (BF16)
tiers, so base and per-cell coefficient are tier values (:mod:`reelmind.videogen.profiles`):

=====================  =========  ==============  =====================================
tier                   base (GB)  coef (MB/cell)  calibrated to
=====================  =========  ==============  =====================================
rtx5070ti-laptop-12gb  3.0        4.0             512×320×49 ≈ 7.5 GB (the seed's constants)
a40-48gb (FP8)         3.0        1.8407          768×512×241 ≈ 25 GB
h100-80gb (BF16)       3.0        1.9888          960×544×481 ≈ 65 GB
=====================  =========  ==============  =====================================

A clip fits when its estimate is at most the budget: ``(VRAM - ComfyUI's --reserve-vram) × 0.85``
(15 % headroom for the estimate's error), capped by the free VRAM the server reports. With that,
640×384×49 (9.8 GB estimated; the seed measured ~12 GB) does not fit the 12 GB laptop's 8.9 GB budget,
and the seed's four examples come out as the seed says (``SEED_VRAM_EXAMPLES``, tested).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from .profiles import VideoProfile

log = logging.getLogger("reelmind.videogen.vram")


def peak_gb(profile: VideoProfile, width: int, height: int, frames: int) -> float:
    """The estimated peak VRAM (decimal GB) of one W×H×F clip on ``profile``."""
    return profile.base_gb + profile.coef_mb / 1000 * (width / 32) * (height / 32) * (frames / 8 + 1)


def budget_gb(profile: VideoProfile, free_gb: float | None = None) -> float:
    """What a clip may plan to use: the tier's usable VRAM, lowered to the free VRAM (minus the
    reserve, times the headroom) when the server reports less."""
    budget = profile.usable_gb
    if free_gb is not None:
        budget = min(budget, max(0.0, (free_gb - profile.reserve_gb) * profile.headroom))
    return round(budget, 3)


def fits(profile: VideoProfile, width: int, height: int, frames: int, free_gb: float | None = None) -> bool:
    return peak_gb(profile, width, height, frames) <= budget_gb(profile, free_gb)


def snap_frames(frames: int) -> int:
    """The largest 8k+1 frame count not above ``frames`` (at least 9)."""
    return max(9, (int(frames) - 1) // 8 * 8 + 1)


def snap32(v: float) -> int:
    return max(64, int(v) // 32 * 32)


@dataclass
class Clamp:
    requested: tuple[int, int, int]
    width: int
    height: int
    frames: int
    peak_gb: float
    budget_gb: float
    steps: list[str] = field(default_factory=list)

    @property
    def clamped(self) -> bool:
        return (self.width, self.height, self.frames) != tuple(self.requested)

    def meta(self) -> dict:
        d = asdict(self)
        d["requested"] = list(self.requested)
        d["clamped"] = self.clamped
        return d


def clamp(profile: VideoProfile, width: int, height: int, frames: int, free_gb: float | None = None,
          min_frames: int = 25) -> Clamp:
    """Fit W×H×F into the budget: frames are reduced first (keeping 8k+1, down to ``min_frames``),
    then the resolution (keeping the aspect ratio, multiples of 32). Every step is recorded."""
    budget = budget_gb(profile, free_gb)
    w, h, f = snap32(width), snap32(height), snap_frames(frames)
    steps = []
    if (w, h, f) != (width, height, frames):
        steps.append(f"snapped {width}x{height}x{frames} to {w}x{h}x{f} (multiples of 32, 8k+1 frames)")
    floor = snap_frames(max(9, min(min_frames, f)))
    while peak_gb(profile, w, h, f) > budget and f > floor:
        f = max(floor, f - 8)
    if f != snap_frames(frames):
        steps.append(f"frames {snap_frames(frames)} -> {f}")
    aspect = w / h
    w0, h0 = w, h
    while peak_gb(profile, w, h, f) > budget and min(w, h) > 64:
        if w >= h:
            w = w - 32
            h = snap32(w / aspect)
        else:
            h = h - 32
            w = snap32(h * aspect)
    if (w, h) != (w0, h0):
        steps.append(f"resolution {w0}x{h0} -> {w}x{h}")
    peak = round(peak_gb(profile, w, h, f), 3)
    if peak > budget:
        steps.append(f"still {peak} GB > budget {budget} GB at the smallest size")
    result = Clamp((width, height, frames), w, h, f, peak, budget, steps)
    if result.clamped:
        log.info("VRAM clamp on %s: %s", profile.name, "; ".join(steps))
    return result
