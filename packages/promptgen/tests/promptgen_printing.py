"""The same screenplay printed to a PDF with a text layer (fpdf2, Courier 12 pt) and to a scanned page
(Pillow: rendered at 150 dpi in a monospace font, slightly rotated, with paper noise) for the reader tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MONO_FONTS = ("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


def write_pdf(layout: str, path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="pt")
    pdf.set_auto_page_break(True, margin=72)
    pdf.set_margins(108, 72, 72)
    pdf.add_page()
    pdf.set_font("Courier", size=12)
    for line in layout.split("\n"):
        pdf.cell(0, 12, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def write_scan(layout: str, path: Path, dpi: int = 150, angle: float = 0.4, seed: int = 7) -> Path:
    """One image per call: all lines on one tall 'page' (the film's script is short)."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font_path = next(p for p in MONO_FONTS if Path(p).exists())
    size = int(12 * dpi / 72)
    font = ImageFont.truetype(font_path, size)
    lines = layout.split("\n")
    char_w = font.getlength("M")
    width = int(8.5 * dpi)
    height = int(1.5 * dpi + len(lines) * size * 1.2)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    left, top = int(1.5 * dpi), int(0.75 * dpi)
    for i, line in enumerate(lines):
        draw.text((left + 0 * char_w, top + i * size * 1.2), line, fill=25, font=font)
    page = page.rotate(angle, resample=Image.BICUBIC, fillcolor=250, expand=False).filter(ImageFilter.GaussianBlur(0.6))
    rng = np.random.default_rng(seed)
    arr = np.asarray(page, dtype=np.float32) + rng.normal(0, 9, (height, width))
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, format="PNG")
    return path
