"""Old-film helpers: black-and-white detection, CLAHE enhancement, face quality score."""

from __future__ import annotations

import numpy as np


def colourfulness(image: np.ndarray) -> float:
    """Mean chroma of an RGB image in 0-1 (≈0 for black-and-white footage, >0.05 for colour)."""
    if image.ndim != 3 or image.shape[2] != 3:
        return 0.0
    step = max(1, min(image.shape[:2]) // 128)
    x = image[::step, ::step]
    r, g, b = x[..., 0], x[..., 1], x[..., 2]  # channel by channel: 5-10x faster than max(axis=2) on a strided view
    chroma = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)  # uint8, no overflow: max >= min
    return float(chroma.mean() / 255.0)


def is_black_and_white(images: list[np.ndarray], threshold: float = 0.03) -> bool:
    """True when the median colourfulness of ``images`` is below ``threshold``."""
    if not images:
        return False
    return float(np.median([colourfulness(im) for im in images])) < threshold


def frame_sharpness(image: np.ndarray) -> float:
    """Sharpness 0-1 of a frame at 360p: Laplacian variance / (variance + 100) (blurred/soft < 0.1)."""
    import cv2

    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    s = 360.0 / max(1, min(gray.shape[:2]))
    if s < 1:
        gray = cv2.resize(gray, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    v = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    return v / (v + 100.0)


def is_low_quality(images: list[np.ndarray], min_side: int = 360, sharpness: float = 0.25) -> bool:
    """Low-resolution (shorter side < ``min_side``) or soft footage (median sharpness < ``sharpness``)."""
    if not images:
        return False
    if min(images[0].shape[:2]) < min_side:
        return True
    return float(np.median([frame_sharpness(im) for im in images])) < sharpness


def frame_signature(image: np.ndarray) -> np.ndarray:
    """A small normalised hue-saturation (colour) or intensity (gray) histogram for shot-cut tests."""
    import cv2

    small = image[:: max(1, image.shape[0] // 90), :: max(1, image.shape[1] // 160)]
    if small.ndim == 3 and colourfulness(small) >= 0.03:
        hsv = cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2HSV)
        hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    else:
        gray = cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
        hist = cv2.calcHist([gray], [0], None, [32], [0, 256])
    return cv2.normalize(hist, None).astype(np.float32)


def is_shot_cut(prev: np.ndarray | None, sig: np.ndarray, threshold: float = 0.5) -> bool:
    """Histogram correlation of two frame signatures below ``threshold`` (a cut between them)."""
    import cv2

    if prev is None or prev.shape != sig.shape:
        return prev is not None
    return float(cv2.compareHist(prev, sig, cv2.HISTCMP_CORREL)) < threshold


def clahe(image: np.ndarray, clip: float = 2.0, tiles: int = 8) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation on luminance (RGB in, RGB out)."""
    import cv2

    op = cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles, tiles))
    if image.ndim == 2:
        return op.apply(image)
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lab[:, :, 0] = op.apply(lab[:, :, 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def face_quality(gray_crops: np.ndarray, sides: np.ndarray, det_conf: np.ndarray) -> np.ndarray:
    """Quality 0-1 per face: geometric mean of sharpness, size, exposure and detector confidence.

    ``gray_crops`` (n, s, s) uint8 at a common size; ``sides`` the face side in full-resolution px.
    sharpness = Laplacian variance / (var + 100); size = side / 112 (capped); exposure penalises
    dark/bright means and flat contrast.
    """
    import cv2

    n = len(gray_crops)
    if n == 0:
        return np.zeros(0, np.float32)
    lap = np.array([cv2.Laplacian(c, cv2.CV_32F).var() for c in gray_crops], np.float32)
    sharp = lap / (lap + 100.0)
    size = np.clip(np.asarray(sides, np.float32) / 112.0, 0.0, 1.0)
    x = gray_crops.reshape(n, -1).astype(np.float32)
    mean, std = x.mean(1), x.std(1)
    exposure = np.clip(1.0 - np.abs(mean - 128.0) / 128.0, 0, 1) * np.clip(std / 40.0, 0, 1)
    conf = np.clip(np.asarray(det_conf, np.float32), 0, 1)
    parts = np.stack([sharp, size, exposure, conf], axis=1)
    return np.exp(np.log(np.clip(parts, 1e-3, 1.0)).mean(1)).astype(np.float32)
