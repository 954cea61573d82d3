"""Geometric action-unit proxies and moving regions of a spotted event.

The landmarks of the onset crop are carried to the apex along the onset->apex flow (global motion
removed), so the displacement of every landmark is measured to a fraction of a pixel; displacements
are in inter-ocular distances (IOD), y down. Each rule sums the displacement of the landmarks that
AU moves in the direction it moves them; the strongest rule above ``min_iod`` names the AU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .align import CROP_ORIGIN, CROP_SPAN, REGIONS, TEMPLATE

#: AU -> (name, polarity of the expression it usually belongs to: +1 / -1 / 0)
AU_NAMES: dict[str, tuple[str, int]] = {
    "AU1+2": ("brow raise", 0), "AU4": ("brow lower", -1), "AU12": ("lip-corner pull up", 1),
    "AU15": ("lip-corner pull down", -1), "AU9": ("nose wrinkle", -1), "AU24": ("lip press", -1),
}
MIN_IOD = 0.012  # weakest displacement a rule accepts, inter-ocular distances


@dataclass(frozen=True)
class AuProxy:
    au: str  # e.g. 'AU12 lip-corner pull up' ('' when no rule fired)
    rule: str  # the rule that fired, with its measured value
    polarity: int
    evidence: dict  # rule -> measured value (IOD)


def _sample(flow: np.ndarray, pts: np.ndarray) -> np.ndarray:
    import cv2

    mx = pts[:, 0].astype(np.float32).reshape(1, -1)
    my = pts[:, 1].astype(np.float32).reshape(1, -1)
    return cv2.remap(flow, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(-1, 2)


#: The AUs the rules measure, in the column order of :func:`evidence_matrix`.
AU_ORDER: tuple[str, ...] = tuple(AU_NAMES)
#: dlib-68 landmarks each AU's rule reads (its region of the face).
AU_LANDMARKS: dict[str, np.ndarray] = {
    "AU1+2": np.arange(17, 27), "AU4": np.arange(17, 27), "AU12": np.arange(48, 68), "AU15": np.arange(48, 68),
    "AU9": np.arange(27, 36), "AU24": np.arange(48, 68),
}

#: The facial region of each AU (AUs of one region move the same landmarks).
AU_GROUP: dict[str, str] = {"AU1+2": "brows", "AU4": "brows", "AU12": "mouth", "AU15": "mouth", "AU9": "nose", "AU24": "mouth"}


#: Where the lip corners' vertical movement (AU12 / AU15) is measured from: ``crop`` (the aligned
#: crop) or ``midline`` (the lips' midline, mean of 51, 57, 62 and 66: opening the jaw moves the
#: corners and the midline alike, so speech moves the AU less; bench/RESULTS.md rounds 11-12).
LIP_REFERENCES = ("crop", "midline")


def check_lip_reference(lips: str) -> None:
    """A one-line config error unless ``lips`` is one of :data:`LIP_REFERENCES`."""
    if lips not in LIP_REFERENCES:
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"unknown lip reference {lips!r}", f"choose {' or '.join(LIP_REFERENCES)}")


def evidence_matrix(disp: np.ndarray, lips: str = "crop") -> np.ndarray:
    """Per-AU evidence (IOD) from landmark displacements (..., 68, 2) in IOD units: (..., 6), columns
    in :data:`AU_ORDER`; ``lips`` is the lip corners' reference (:data:`LIP_REFERENCES`). Linear in
    the displacements, so a series of them gives a series of evidence."""
    check_lip_reference(lips)
    dy, dx = disp[..., 1], disp[..., 0]
    brows = dy[..., 17:27].mean(axis=-1)
    corners = (dy[..., 48] + dy[..., 54]) / 2
    if lips == "midline":
        corners = corners - (dy[..., 51] + dy[..., 57] + dy[..., 62] + dy[..., 66]) / 4
    return np.stack([
        -brows,  # AU1+2
        brows + (dx[..., 21] - dx[..., 22]) / 2,  # AU4
        -corners + (dx[..., 54] - dx[..., 48]) / 4,  # AU12
        corners,  # AU15
        -dy[..., 31:36].mean(axis=-1),  # AU9
        dy[..., 50:53].mean(axis=-1) - dy[..., 56:59].mean(axis=-1),  # AU24
    ], axis=-1)


def evidence(disp: np.ndarray, lips: str = "crop") -> dict[str, float]:
    """Per-AU evidence (IOD) from landmark displacements (68, 2) in IOD units."""
    return {au: float(v) for au, v in zip(AU_ORDER, evidence_matrix(disp, lips))}


_RULES = {
    "AU1+2": "brows (17-26) moved up {v:.3f} IOD",
    "AU4": "brows (17-26) moved down / inner brows (21, 22) together {v:.3f} IOD",
    "AU12": "lip corners (48, 54) moved up/out{ref} {v:.3f} IOD",
    "AU15": "lip corners (48, 54) moved down{ref} {v:.3f} IOD",
    "AU9": "nose wings (31-35) moved up {v:.3f} IOD",
    "AU24": "outer lips (50-52, 56-58) pressed together {v:.3f} IOD",
}


def au_proxy(onset_landmarks: np.ndarray, flow_onset_apex: np.ndarray, crop: int, min_iod: float = MIN_IOD,
             lips: str = "crop") -> AuProxy:
    """The AU proxy of an event from the onset landmarks (crop px) and the onset->apex flow."""
    iod = crop / CROP_SPAN
    return proxy_of(evidence(_sample(flow_onset_apex, onset_landmarks) / iod, lips), min_iod, lips=lips)


def proxy_of(ev: dict[str, float], min_iod: float = MIN_IOD, best: str = "", lips: str = "crop") -> AuProxy:
    """The AU proxy of per-AU evidence (IOD): the strongest rule, or ``best`` (the AU whose evidence
    spotted the event) when given; ``lips`` names the lip corners' reference in the rule."""
    best = best or max(ev, key=ev.get)
    if ev[best] < min_iod:
        return AuProxy("", f"no rule reached {min_iod} IOD (strongest: {best} {ev[best]:.3f})", 0, ev)
    name, pol = AU_NAMES[best]
    ref = " against the lips' midline" if lips == "midline" else ""
    return AuProxy(f"{best} {name}", f"{best}: " + _RULES[best].format(v=ev[best], ref=ref) + f" >= {min_iod}", pol, ev)


def block_regions(crop: int, grid: int) -> list[str]:
    """The facial region of every block of the grid (row-major), '' for blocks with no region landmark."""
    pts = (TEMPLATE - CROP_ORIGIN) * crop / CROP_SPAN
    b = crop // grid
    out = []
    for r in range(grid):
        for c in range(grid):
            centre = np.array([(c + 0.5) * b, (r + 0.5) * b])
            best, dist = "", 0.75 * b
            for name, idx in REGIONS.items():
                d = float(np.min(np.linalg.norm(pts[idx] - centre, axis=1)))
                if d < dist:
                    best, dist = name, d
            out.append(best)
    return out


def moving_regions(blocks: np.ndarray, names: list[str], frac: float = 0.5) -> list[str]:
    """Regions of the blocks whose difference reaches ``frac`` of the strongest block, strongest first."""
    flat = blocks.ravel()
    if flat.max() <= 0:
        return []
    out: list[str] = []
    for i in np.argsort(flat)[::-1]:
        if flat[i] < frac * flat.max():
            break
        if names[i] and names[i] not in out:
            out.append(names[i])
    return out
