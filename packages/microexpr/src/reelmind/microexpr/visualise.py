"""Visualisations of spotted micro events: apex crop, onset->apex flow magnitude, moving regions
(the MDMD block grid over the crop), one PNG per event and an index.html linking them."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from reelmind.core.records import MicroEventTable


def regions_png(apex_png: bytes, blocks: tuple, grid: int = 6) -> bytes:
    """The apex crop with the grid's blocks tinted by their MDMD difference (strongest = red)."""
    import cv2

    img = cv2.imdecode(np.frombuffer(apex_png, np.uint8), cv2.IMREAD_GRAYSCALE)
    if img is None or not blocks:
        return b""
    out = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    b = img.shape[0] // grid
    v = np.asarray(blocks, float).reshape(grid, grid)
    top = v.max() or 1.0
    overlay = out.copy()
    for r in range(grid):
        for c in range(grid):
            a = v[r, c] / top
            if a >= 0.25:
                cv2.rectangle(overlay, (c * b, r * b), ((c + 1) * b - 1, (r + 1) * b - 1), (0, 0, int(255 * a)), -1)
    out = cv2.addWeighted(overlay, 0.45, out, 0.55, 0)
    for k in range(1, grid):
        cv2.line(out, (k * b, 0), (k * b, grid * b), (90, 90, 90), 1)
        cv2.line(out, (0, k * b), (grid * b, k * b), (90, 90, 90), 1)
    ok, buf = cv2.imencode(".png", out)
    return buf.tobytes() if ok else b""


def write_visuals(events: MicroEventTable, folder: Path) -> list[Path]:
    """Write ``event_<n>_{apex,flow,regions}.png``, ``micro_events.csv`` and ``index.html`` into ``folder``."""
    from reelmind.core.atomic import write_text
    from reelmind.core.csv_export import csv_text

    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    rows, cards = [], []
    rec = events.meta.get("recogniser", {}) if isinstance(events.meta, dict) else {}
    for i in range(len(events)):
        files = {}
        pics = {"apex": events.apex_png[i], "flow": events.flow_png[i],
                "regions": regions_png(events.apex_png[i], events.blocks[i]) if events.apex_png[i] else b""}
        for kind, data in pics.items():
            if data:
                p = folder / f"event_{i:04d}_{kind}.png"
                p.write_bytes(data)
                paths.append(p)
                files[kind] = p.name
        label = events.emotion[i] or "unclassified"
        rows.append({"person": events.person[i], "person_id": int(events.person_id[i]), "onset": round(float(events.onset[i]), 3),
                     "apex": round(float(events.apex[i]), 3), "offset": round(float(events.offset[i]), 3),
                     "score": round(float(events.score[i]), 3), "regions": ";".join(events.regions[i]), "au": events.au[i],
                     "au_rule": events.au_rule[i], "emotion": events.emotion[i], "confidence": float(events.confidence[i]),
                     "polarity": int(events.polarity[i])})
        imgs = "".join(f'<figure><img src="{html.escape(f)}" width="128"><figcaption>{k}</figcaption></figure>'
                       for k, f in files.items())
        cards.append(f'<div class="ev"><h3>{html.escape(events.person[i])} @ {events.apex[i]:.2f} s — {html.escape(label)}'
                     f'</h3><p>{events.onset[i]:.2f}–{events.offset[i]:.2f} s · {html.escape(events.au[i] or "no AU rule fired")}'
                     f' · regions: {html.escape(", ".join(events.regions[i]) or "-")}</p><p class="rule">{html.escape(events.au_rule[i])}'
                     f'</p>{imgs}</div>')
    header = ["person", "person_id", "onset", "apex", "offset", "score", "regions", "au", "au_rule", "emotion",
              "confidence", "polarity"]
    csv_path = write_text(folder / "micro_events.csv", csv_text(header, ([r[k] for k in header] for r in rows)))
    paths.append(csv_path)
    why = "" if rec.get("loaded") else f"<p>Events are unclassified: {html.escape(str(rec.get('why', 'no recogniser')))}</p>"
    synthetic = "<p><b>The recogniser was trained on SYNTHETIC data.</b></p>" if rec.get("synthetic") else ""
    page = (f"<!doctype html><meta charset='utf-8'><title>micro-expressions</title><style>body{{font-family:sans-serif}}"
            f".ev{{border:1px solid #ccc;margin:8px;padding:8px}}figure{{display:inline-block;margin:4px}}"
            f".rule{{color:#555;font-size:90%}}</style><h1>Micro-expressions ({len(events)} events)</h1>{why}{synthetic}"
            + "".join(cards))
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    paths.append(index)
    return paths
