"""Dense optical flow between two aligned grey crops, and optical strain.

Backends (``MicroOptions.flow``): ``farneback`` (the default: about 3 ms per 128 px crop pair on one
core, and the best separation of planted events from real facial motion on the tuning footage, see
bench/RESULTS.md), ``dis`` (OpenCV DIS, medium preset: the fastest, about 2 ms) and ``tvl1`` (Dual
TV-L1 from ``cv2.optflow``, the micro-expression literature's choice, about 100x slower; it needs
opencv-contrib-python-headless, which replaces opencv-python-headless).
Each backend is a factory returning ``flow(prev, next) -> (H, W, 2) float32`` (dx, dy per pixel of
``prev``); ``bench`` compares them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from reelmind.core.errors import MissingDependencyError
from reelmind.core.models import Backends

Flow = Callable[[np.ndarray, np.ndarray], np.ndarray]

BACKENDS = Backends("optical flow", {
    "dis": "reelmind.microexpr.flow:dis",
    "farneback": "reelmind.microexpr.flow:farneback",
    "tvl1": "reelmind.microexpr.flow:tvl1",
})


def _cv2():
    try:
        import cv2
    except ImportError:
        raise MissingDependencyError("OpenCV", '"opencv-contrib-python-headless<5"') from None
    return cv2


def dis() -> Flow:
    """OpenCV DIS optical flow, medium preset (variational refinement on)."""
    cv2 = _cv2()
    engine = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)

    def run(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        return engine.calc(prev, nxt, None)

    return run


def farneback() -> Flow:
    """Farnebäck polynomial-expansion flow (3 levels, 15 px window)."""
    cv2 = _cv2()

    def run(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        return cv2.calcOpticalFlowFarneback(prev, nxt, None, 0.5, 3, 15, 3, 5, 1.2, 0)

    return run


def tvl1() -> Flow:
    """Dual TV-L1 flow (``cv2.optflow``; opencv-contrib-python-headless, replacing opencv-python-headless)."""
    cv2 = _cv2()
    if not hasattr(cv2, "optflow"):
        raise MissingDependencyError(
            "OpenCV's contrib module cv2.optflow (TV-L1)",
            'opencv-contrib-python-headless<5 after `pip uninstall opencv-python-headless` (both ship cv2; never keep both)')
    engine = cv2.optflow.DualTVL1OpticalFlow_create()

    def run(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        return engine.calc(prev, nxt, None)

    return run


def make(name: str) -> Flow:
    """A flow function of the named backend (ConfigError naming the choices if unknown)."""
    return BACKENDS.create(name)


def magnitude(flow: np.ndarray) -> np.ndarray:
    """Per-pixel flow length."""
    return np.hypot(flow[..., 0], flow[..., 1])


def strain(flow: np.ndarray) -> np.ndarray:
    """Optical strain magnitude sqrt(e_xx^2 + e_yy^2 + 2 e_xy^2) of a flow field (per pixel)."""
    du_dy, du_dx = np.gradient(flow[..., 0])
    dv_dy, dv_dx = np.gradient(flow[..., 1])
    exy = 0.5 * (du_dy + dv_dx)
    return np.sqrt(du_dx ** 2 + dv_dy ** 2 + 2 * exy ** 2).astype(np.float32)


@functools.cache
def _design(h: int, w: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Affine design matrices: on a ``step`` sub-grid (fit) and on every pixel (apply)."""
    yy, xx = np.mgrid[0:h, 0:w]
    full = np.stack([np.ones(h * w), (xx.ravel() - w / 2) / w, (yy.ravel() - h / 2) / h], axis=1)
    sub = full.reshape(h, w, 3)[::step, ::step].reshape(-1, 3)
    return sub, full


def remove_global(flow: np.ndarray, keep: float = 0.7, step: int = 4) -> np.ndarray:
    """The flow minus its global motion (residual head motion, alignment jitter): an affine field
    fitted by least squares on a ``step`` sub-grid, refitted on the ``keep`` fraction of points that
    fit best so a local movement does not pull the fit."""
    h, w = flow.shape[:2]
    sub, full = _design(h, w, step)
    f = flow[::step, ::step].reshape(-1, 2).astype(np.float64)
    mask = np.ones(len(f), bool)
    for _ in range(2):
        a = sub[mask]
        coef = np.linalg.solve(a.T @ a + 1e-9 * np.eye(3), a.T @ f[mask])
        resid = np.hypot(*(f - sub @ coef).T)
        mask = resid <= np.partition(resid, int(keep * (len(resid) - 1)))[int(keep * (len(resid) - 1))]
    return flow - (full @ coef).reshape(h, w, 2).astype(flow.dtype)
