"""Landmark-driven warps of single action units (the synthetic micro-expression generator's engine).

An AU is a set of dlib-68 landmark displacements in the canonical frame (inter-ocular distance 1,
y down), scaled so that its largest landmark displacement equals the amplitude. The dense displacement field is a Gaussian-weighted blend of the
landmark displacements in which every other landmark anchors its surroundings (displacement 0);
the frame is resampled backwards along it (``cv2.remap``).
"""

from __future__ import annotations

import numpy as np

from .align import STABLE, TEMPLATE, similarity

#: AU name -> (short label, {landmark: (dx, dy)} per unit amplitude, canonical frame).
AUS: dict[str, tuple[str, dict[int, tuple[float, float]]]] = {
    "AU1+2": ("brow raise", {**{i: (0.0, -1.0) for i in range(19, 25)}, 17: (0.0, -0.7), 18: (0.0, -0.9),
                             25: (0.0, -0.9), 26: (0.0, -0.7)}),
    "AU4": ("brow lower", {17: (0.0, 0.5), 18: (0.15, 0.7), 19: (0.3, 0.8), 20: (0.45, 0.9), 21: (0.55, 1.0),
                           22: (-0.55, 1.0), 23: (-0.45, 0.9), 24: (-0.3, 0.8), 25: (-0.15, 0.7), 26: (0.0, 0.5)}),
    "AU12": ("lip-corner pull up", {48: (-0.5, -1.0), 60: (-0.45, -0.9), 54: (0.5, -1.0), 64: (0.45, -0.9),
                                    49: (-0.2, -0.5), 59: (-0.2, -0.5), 53: (0.2, -0.5), 55: (0.2, -0.5)}),
    "AU15": ("lip-corner pull down", {48: (0.0, 1.0), 60: (0.0, 0.9), 54: (0.0, 1.0), 64: (0.0, 0.9),
                                      59: (0.0, 0.5), 55: (0.0, 0.5), 49: (0.0, 0.3), 53: (0.0, 0.3)}),
    "AU9": ("nose wrinkle", {31: (0.1, -1.0), 32: (0.05, -0.8), 33: (0.0, -0.6), 34: (-0.05, -0.8), 35: (-0.1, -1.0),
                             29: (0.0, -0.4), 30: (0.0, -0.5), 50: (0.0, -0.5), 51: (0.0, -0.5), 52: (0.0, -0.5),
                             21: (0.1, 0.3), 22: (-0.1, 0.3)}),
    "AU24": ("lip press", {50: (0.0, 0.6), 51: (0.0, 0.7), 52: (0.0, 0.6), 61: (0.0, 0.3), 62: (0.0, 0.35),
                           63: (0.0, 0.3), 56: (0.0, -0.6), 57: (0.0, -0.7), 58: (0.0, -0.6), 65: (0.0, -0.3),
                           66: (0.0, -0.35), 67: (0.0, -0.3)}),
}
SIGMA = 0.12  # width of a landmark's influence, inter-ocular distances


def profile(n: int, apex_at: float = 0.4) -> np.ndarray:
    """Intensity of an n-frame event: sine rise to 1 at the apex, slower sine fall; every frame > 0."""
    a = int(round(apex_at * (n - 1)))
    t = np.arange(n)
    up = np.sin(np.pi / 2 * (t + 1) / (a + 1))
    down = np.sin(np.pi / 2 * (n - t) / (n - a))
    return np.where(t <= a, up, down).clip(0, 1)


def displacement(landmarks: np.ndarray, au: str, amount: float) -> np.ndarray:
    """Per-landmark image displacements (68, 2) of ``au``: the landmark that moves most moves
    ``amount`` inter-ocular distances, the others in proportion."""
    if au not in AUS:
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"unknown action unit {au!r}", f"choose one of: {', '.join(AUS)}")
    m = similarity(landmarks[STABLE], TEMPLATE[STABLE])  # image -> canonical (IOD units)
    inv = np.linalg.inv(m[:, :2])
    d = np.zeros((68, 2))
    moves = AUS[au][1]
    peak = max(float(np.hypot(*v)) for v in moves.values())  # ``amount`` is the largest landmark's move
    for i, v in moves.items():
        d[i] = inv @ (np.asarray(v) * (amount / peak))
    return d


def warp(image: np.ndarray, landmarks: np.ndarray, au: str, amount: float) -> np.ndarray:
    """``image`` (H, W[, C]) with ``au`` applied at ``amount`` inter-ocular distances."""
    import cv2

    if amount == 0:
        return image.copy()
    d = displacement(landmarks, au, amount)
    iod = float(np.linalg.norm(landmarks[42:48].mean(0) - landmarks[36:42].mean(0)))
    sigma = SIGMA * iod
    h, w = image.shape[:2]
    x0, y0 = np.floor(landmarks.min(0) - 4 * sigma).astype(int)
    x1, y1 = np.ceil(landmarks.max(0) + 4 * sigma).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return image.copy()
    # the field is smooth (sigma >= a few px): blend it on a coarse grid, then resize it to every pixel
    step = max(1, int(sigma / 3))
    ys = np.arange(y0, y1 + step, step, dtype=np.float32)
    xs = np.arange(x0, x1 + step, step, dtype=np.float32)
    wy = np.exp(-((ys[None, :] - landmarks[:, 1:2]) ** 2) / (2 * sigma ** 2))  # (68, gy)
    wx = np.exp(-((xs[None, :] - landmarks[:, 0:1]) ** 2) / (2 * sigma ** 2))  # (68, gx)
    den = np.einsum("ly,lx->yx", wy, wx)
    num = np.einsum("ly,lx,lc->yxc", wy, wx, d.astype(np.float32))
    coarse = (num / np.maximum(den, 1.0)[..., None]).astype(np.float32)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    field = cv2.remap(coarse, ((xx - x0) / step).astype(np.float32), ((yy - y0) / step).astype(np.float32),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out = image.copy()
    out[y0:y1, x0:x1] = cv2.remap(image, xx - field[..., 0], yy - field[..., 1], cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REFLECT)
    return out
