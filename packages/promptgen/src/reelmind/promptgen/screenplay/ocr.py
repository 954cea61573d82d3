"""Scanned pages -> layout text with RapidOCR (PP-OCRv4 detection + recognition ONNX models shipped in
the ``rapidocr-onnxruntime`` wheel; nothing is downloaded). Boxes are grouped into lines by their
vertical centre and placed at the column their left edge gives, so the plain-layout parser sees the
indentation of cues and dialogue; a large vertical gap becomes a blank line."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

import numpy as np

from reelmind.core.errors import MissingDependencyError

from .model import ScreenplayError

log = logging.getLogger("reelmind.promptgen.screenplay.ocr")
_CJK = re.compile(r"[\u3400-\u9fff]")


@functools.cache
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise MissingDependencyError(f"RapidOCR (scanned screenplays; import failed: {exc.name or exc})",
                                     "--no-deps rapidocr-onnxruntime pyclipper shapely six") from None
    return RapidOCR()


def _image(data: bytes) -> np.ndarray:
    import cv2

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ScreenplayError("a screenplay page image cannot be decoded (corrupt or unsupported image)")
    return img


def boxes_to_layout(boxes: list[tuple[float, float, float, float, str]]) -> str:
    """(x1, y1, x2, y2, text) boxes of one page -> text lines with leading spaces for the indentation."""
    if not boxes:
        return ""
    b = sorted(boxes, key=lambda r: ((r[1] + r[3]) / 2, r[0]))
    heights = np.array([r[3] - r[1] for r in b])
    h = float(np.median(heights)) or 1.0
    widths = [(r[2] - r[0]) / max(1, len(r[4])) for r in b if len(r[4]) >= 4]
    char_w = float(np.median(widths)) if widths else h * 0.6
    left = min(r[0] for r in b)
    rows: list[list] = []
    for r in b:
        yc = (r[1] + r[3]) / 2
        if rows and abs(yc - rows[-1][0]) < 0.5 * h:
            rows[-1][1].append(r)
        else:
            rows.append([yc, [r]])
    # single-line spacing: the low end of the gaps between rows (blank lines make the others larger)
    pitch = float(np.percentile(np.diff([r[0] for r in rows]), 20)) if len(rows) > 1 else h
    pitch = min(max(pitch, h), 2.0 * h)
    out: list[str] = []
    prev_y = None
    for yc, members in rows:
        if prev_y is not None and yc - prev_y > 1.5 * pitch:
            out += [""] * max(1, int(round((yc - prev_y) / pitch)) - 1)
        line = ""
        for x1, _, x2, _, text in sorted(members, key=lambda r: r[0]):
            col = int(round((x1 - left) / char_w))
            line = line + (" " * max(1 if line else 0, col - len(line))) + text
        out.append(line)
        prev_y = yc
    return "\n".join(out)


def _tidy(text: str) -> str:
    """Full-width punctuation of Latin lines folded (OCR of English often returns '，')."""
    return text if _CJK.search(text) else unicodedata.normalize("NFKC", text)


def ocr_layout(data: bytes, min_score: float = 0.5) -> str:
    """The layout text of one page image (PNG/JPEG/TIFF bytes)."""
    engine = _engine()
    img = _image(data)
    result, _ = engine(img, use_cls=False)
    boxes = []
    for box, text, score in result or []:
        if float(score) < min_score or not str(text).strip():
            continue
        pts = np.asarray(box, dtype=np.float64)
        boxes.append((float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()),
                      _tidy(str(text).strip())))
    log.info("OCR: %d text boxes", len(boxes))
    return boxes_to_layout(boxes)
