"""The archive summary: one self-contained HTML page (``STORE/_archive/summary.html``).

Per film: state (and the reason of a failure), characters, lines, the emotions of its lines
(text and face, as SVG bars) and its face/text conflicts; then the archive-wide persons with
their films. Numbers come from the DuckDB views (query.py), so the page says what SQL says.
Each chart is an element with ``data-chart``; after load the page records every chart's box
in ``body[data-layout]`` (for the headless-Chromium check).
"""

from __future__ import annotations

import html
from pathlib import Path

from reelmind.core.atomic import write_text
from reelmind.core.emotion import TEXT_EMOTIONS

from .store import ArchiveStore

COLOURS = {"anger": "#d62728", "disgust": "#8c564b", "fear": "#9467bd", "happy": "#2ca02c", "joy": "#2ca02c",
           "sad": "#1f77b4", "sadness": "#1f77b4", "surprise": "#ff7f0e", "neutral": "#7f7f7f"}

_STYLE = """body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}
.card{border:1px solid #ddd;border-radius:6px;padding:12px;margin:12px 0;min-height:140px}
.failed{color:#b00}.done{color:#070}.pending{color:#a60}.legend span{display:inline-block;margin-right:10px;font-size:12px}"""
_LAYOUT = """<script>window.addEventListener('load',function(){var out={};
document.querySelectorAll('[data-chart]').forEach(function(e){var r=e.getBoundingClientRect();
out[e.getAttribute('data-chart')]={x:Math.round(r.left+window.scrollX),y:Math.round(r.top+window.scrollY),
w:Math.round(r.width),h:Math.round(r.height),svg:e.querySelectorAll('svg').length};});
document.body.setAttribute('data-layout',JSON.stringify(out));});</script>"""


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _has(con, view: str, column: str | None = None) -> bool:
    q = f"SELECT count(*) FROM duckdb_columns() WHERE table_name = '{view}'"
    if column:
        q += f" AND column_name = '{column}'"
    return _rows(con, q)[0][0] > 0


def _bars(counts: dict[str, int], width: int = 520) -> str:
    """A horizontal stacked bar of emotion counts (SVG)."""
    total = sum(counts.values())
    if not total:
        return '<svg width="%d" height="22"><rect x="0" y="2" width="%d" height="18" fill="#eee"/></svg>' % (width, width)
    x, parts = 0.0, []
    for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        w = width * n / total
        parts.append(f'<rect x="{x:.1f}" y="2" width="{w:.1f}" height="18" fill="{COLOURS.get(label, "#bbb")}">'
                     f"<title>{html.escape(label)}: {n}</title></rect>")
        x += w
    return f'<svg width="{width}" height="22">{"".join(parts)}</svg>'


def build_summary(store: str | Path | ArchiveStore) -> Path:
    """Write ``STORE/_archive/summary.html`` and return its path."""
    from .query import connect

    archive = ArchiveStore.of(store)
    con = connect(archive)
    try:
        films = _rows(con, "SELECT film, title, year, state, reason FROM films ORDER BY film")
        stats: dict[str, dict] = {f[0]: {"lines": 0, "characters": 0, "conflicts": 0, "text": {}, "face": {}} for f in films}
        if _has(con, "dataset"):
            conflict = "count(*) FILTER (WHERE conflict)" if _has(con, "dataset", "conflict") else "0"
            for film, lines, chars, conf in _rows(con, f"SELECT film, count(*), count(DISTINCT character), {conflict} "
                                                       "FROM dataset GROUP BY film"):
                stats.setdefault(film, {"text": {}, "face": {}}).update(lines=lines, characters=chars, conflicts=conf)
            for col, key in (("text_emotion", "text"), ("face_emotion", "face")):
                if _has(con, "dataset", col):
                    for film, emo, n in _rows(con, f"SELECT film, {col}, count(*) FROM dataset WHERE {col} <> '' "
                                                   f"GROUP BY film, {col}"):
                        stats.setdefault(film, {"text": {}, "face": {}})[key][emo] = n
        persons = []
        if _has(con, "archive_persons"):
            persons = _rows(con, "SELECT archive_id, max(name), count(DISTINCT film), string_agg(DISTINCT film, ', '), "
                                 "string_agg(DISTINCT kind, '+') FROM archive_persons GROUP BY archive_id ORDER BY archive_id")
    finally:
        con.close()
    done = sum(f[3] == "done" for f in films)
    failed = sum(f[3] == "failed" for f in films)
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>reelmind archive</title><style>{_STYLE}</style>"
           f"{_LAYOUT}</head><body>",
           f"<h1>reelmind archive: {len(films)} films ({done} done, {failed} failed, {len(films) - done - failed} pending)</h1>",
           "<h2>Films</h2><table id='films'><tr><th>film</th><th>title</th><th>year</th><th>state</th><th>characters</th>"
           "<th>lines</th><th>conflicts</th><th>reason</th></tr>"]
    for film, title, year, state, reason in films:
        s = stats.get(film, {})
        out.append(f"<tr><td>{html.escape(film)}</td><td>{html.escape(title)}</td><td>{html.escape(year)}</td>"
                   f"<td class='{html.escape(state)}'>{html.escape(state)}</td><td>{s.get('characters', 0)}</td>"
                   f"<td>{s.get('lines', 0)}</td><td>{s.get('conflicts', 0)}</td><td>{html.escape(reason)}</td></tr>")
    out.append("</table>")
    legend = "".join(f"<span style='color:{COLOURS[e]}'>&#9632; {e}</span>" for e in TEXT_EMOTIONS if e in COLOURS)
    out.append(f"<section class='card' data-chart='emotions'><h2>Emotions of the lines per film</h2>"
               f"<div class='legend'>{legend}</div><table><tr><th>film</th><th>text</th><th>face</th><th>conflicts</th></tr>")
    for film, *_ in films:
        s = stats.get(film, {})
        out.append(f"<tr><td>{html.escape(film)}</td><td>{_bars(s.get('text', {}), 360)}</td>"
                   f"<td>{_bars(s.get('face', {}), 360)}</td><td>{s.get('conflicts', 0)}</td></tr>")
    out.append("</table></section>")
    out.append("<section class='card' data-chart='persons'><h2>Persons across the archive</h2><table id='persons'>"
               "<tr><th>archive id</th><th>name</th><th>films</th><th>seen as</th><th>in films</th><th></th></tr>")
    most = max((p[2] for p in persons), default=1)
    for aid, name, n, where, kinds in persons:
        bar = f'<svg width="120" height="14"><rect x="0" y="2" width="{120 * n / most:.1f}" height="10" fill="#4c72b0"/></svg>'
        out.append(f"<tr><td>{html.escape(aid)}</td><td>{html.escape(name or '')}</td><td>{n}</td><td>{html.escape(kinds)}</td>"
                   f"<td>{html.escape(where)}</td><td>{bar}</td></tr>")
    out.append("</table></section></body></html>")
    return write_text(archive.folder / "summary.html", "\n".join(out))
