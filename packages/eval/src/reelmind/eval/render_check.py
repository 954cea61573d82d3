"""Check that an HTML report really renders: headless Chromium lays it out and paints every chart.

``check_rendered(page, work_dir)`` dumps the DOM after load (the page records each chart's box and
SVG count in ``data-layout``), then screenshots the whole page and measures, per chart box, the
pixel spread and the share of clearly drawn pixels. Used by the tests and by people who want to
verify a report before sharing it (needs Debian's chromium; OpenCV reads the screenshot).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reelmind.core.errors import MissingDependencyError, ReelmindError

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


@dataclass
class ChartRender:
    svg: int  # SVG elements inside the chart's card
    width: int
    height: int
    pixel_std: float  # grey-level spread inside the chart box of the screenshot
    ink: float  # share of clearly drawn (< 200 grey) pixels
    html: str  # the card's DOM after load


def chromium_path() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not path:
        raise ReelmindError("headless Chromium is not installed", "apt-get install chromium")
    return path


def _chromium(page: Path, work: Path, *args: str) -> str:
    cmd = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={work / 'chromium-profile'}", *args, page.resolve().as_uri()]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    except subprocess.CalledProcessError as exc:
        raise ReelmindError(f"chromium failed on {page}: {(exc.stderr or '').strip().splitlines()[-1:]}") from None


def check_rendered(page: str | Path, work_dir: str | Path, width: int = 1280) -> dict[str, ChartRender]:
    """Render ``page`` and measure every chart (see the module docstring)."""
    try:
        import cv2
    except ImportError:
        raise MissingDependencyError("OpenCV", "opencv-python-headless<5") from None
    page, work = Path(page), Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    dom = _chromium(page, work, f"--window-size={width},1000", "--dump-dom")
    found = re.search(r'data-layout="([^"]*)"', dom)
    if not found:
        raise ReelmindError(f"{page}: the page recorded no chart layout after load (its script did not run)")
    layout = json.loads(html.unescape(found.group(1)))
    cards = {m.group(1): m.group(2) for m in re.finditer(r'<section class="card" data-chart="(\w+)">(.*?)</section>', dom, re.S)}
    height = max(v["y"] + v["h"] for v in layout.values()) + 40
    shot = work / "report.png"
    _chromium(page, work, f"--window-size={width},{height}", f"--screenshot={shot}", "--hide-scrollbars")
    img = cv2.imread(str(shot), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ReelmindError(f"chromium wrote no screenshot of {page}")
    out = {}
    for chart, box in layout.items():
        crop = img[box["y"] + 40: box["y"] + box["h"], box["x"]: box["x"] + box["w"]].astype("float64")
        out[chart] = ChartRender(svg=int(box["svg"]), width=int(box["w"]), height=int(box["h"]),
                                 pixel_std=float(crop.std()) if crop.size else 0.0,
                                 ink=float((crop < 200).mean()) if crop.size else 0.0, html=cards.get(chart, ""))
    return out


#: what each chart's card must contain once the page has loaded
CHART_PARTS = {"timeline": ("<polyline", "<circle"), "arcs": ("<path",), "conflicts": ("<circle", "badge"),
               "ocean": ("<polygon",), "social": ("<circle", "<path"), "scores": ("<rect",)}


def chart_problems(charts: dict[str, ChartRender]) -> list[str]:
    """Why the rendered charts fall short (empty list: every chart is present and drawn)."""
    problems = [f"{c}: missing from the page" for c in CHART_PARTS if c not in charts]
    for chart, parts in CHART_PARTS.items():
        r = charts.get(chart)
        if r is None:
            continue
        if r.svg < 1 or r.width <= 300 or r.height <= 100:
            problems.append(f"{chart}: {r.svg} svg in a {r.width}x{r.height} box")
        if f'id="chart-{chart}"' not in r.html and chart != "arcs":
            problems.append(f"{chart}: no #chart-{chart} element")
        problems += [f"{chart}: no {part} drawn" for part in parts if part not in r.html]
        if r.pixel_std <= 8 or r.ink <= 0.005:
            problems.append(f"{chart}: blank in the screenshot (std {r.pixel_std:.1f}, ink {r.ink:.4f})")
    return problems
