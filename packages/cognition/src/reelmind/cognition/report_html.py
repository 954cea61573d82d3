"""The HTML report: one self-contained file per film, charts as inline SVG drawn in Python.

Every text from the data is HTML-escaped (:func:`_e`).

Rendered from the structured report dict only (:mod:`report_structured`). No CDN, no external
font or script: it opens offline. A few lines of inline JS switch the summary language and
record each chart's on-screen box in ``body[data-layout]`` (used by the headless-Chromium test).

Charts (each an element with ``data-chart``): ``timeline`` (valence and arousal per character,
scenes shaded, conflicts marked), ``arcs`` (smoothed valence with turning points per
character), ``conflicts`` (the conflict moments with their three channels), ``ocean`` (radar),
``social`` (directed graph of Dunbar circles + ego rings), ``scores`` (6-dimension heatmap).
"""

from __future__ import annotations

import html
import math
from typing import Any

from . import report_i18n as i18n
from .ocean import TRAITS

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#1f77b4", "#8c564b", "#17becf")
CIRCLE_COLOR = {"intimate": "#c0392b", "close": "#e67e22", "friends": "#27ae60", "acquaintance": "#95a5a6", "stranger": "#d5d8dc"}
CIRCLE_WIDTH = {"intimate": 3.5, "close": 2.6, "friends": 1.8, "acquaintance": 1.1, "stranger": 0.6}
POL_COLOR = {1: "#2e8b57", 0: "#7f8c8d", -1: "#c0392b"}
CHARTS = ("timeline", "arcs", "conflicts", "ocean", "social", "scores")

_CSS = """
:root{--ink:#1d2733;--mute:#6b7785;--line:#e3e7ec;--bg:#f6f7f9;--card:#fff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 -apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK TC','PingFang TC','Microsoft JhengHei',sans-serif;color:var(--ink);background:var(--bg)}
header{background:#1d2733;color:#fff;padding:22px 32px}header h1{margin:0 0 4px;font-size:24px}header p{margin:0;color:#c9d1db}
main{max-width:1240px;margin:0 auto;padding:18px 24px 40px}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 14px}.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:130px}
.stat b{display:block;font-size:20px}.stat span{color:var(--mute);font-size:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
.card h2{margin:0 0 10px;font-size:17px}.card h2 small{color:var(--mute);font-weight:normal;font-size:12px;margin-left:8px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid2{grid-template-columns:1fr}}
.rings{display:grid;grid-template-columns:1fr 1fr;gap:6px;align-content:start}
.arcs{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:10px}
.warn{background:#fff7e6;border:1px solid #f5d48a;border-radius:8px;padding:8px 12px;margin:0 0 14px;color:#7a5800}
.note{color:var(--mute);font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:5px 6px;text-align:left;vertical-align:top}
th{color:var(--mute);font-weight:600}.badge{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;margin:1px 2px;white-space:nowrap}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px;margin:4px 0}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.lang button{border:1px solid var(--line);background:#fff;border-radius:6px;padding:3px 10px;cursor:pointer}.lang button.on{background:#1d2733;color:#fff}
svg text{font-family:inherit}details summary{cursor:pointer;color:#34495e}
"""

_JS = """
function setLang(l){document.querySelectorAll('[data-lang]').forEach(function(e){e.style.display=e.getAttribute('data-lang')===l?'':'none'});
document.querySelectorAll('.lang button').forEach(function(b){b.className=b.getAttribute('data-l')===l?'on':''});}
window.addEventListener('load',function(){setLang('en');var out={};document.querySelectorAll('[data-chart]').forEach(function(e){
var r=e.getBoundingClientRect();out[e.getAttribute('data-chart')]={x:Math.round(r.left+window.scrollX),y:Math.round(r.top+window.scrollY),w:Math.round(r.width),h:Math.round(r.height),svg:e.querySelectorAll('svg').length};});
document.body.setAttribute('data-layout',JSON.stringify(out));});
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _n(x: float) -> str:
    """Compact deterministic number for SVG coordinates."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


def _grid(v: float) -> str:
    return "#b8c0c8" if v == 0 else "#e6e9ed"


def _mmss(t: float) -> str:
    t = max(0.0, t)
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _svg(chart: str, w: int, h: int, body: list[str], label: str, attr: str = "") -> str:
    return (f'<svg id="chart-{chart}" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{_e(label)}" '
            f'xmlns="http://www.w3.org/2000/svg"{attr}>' + "".join(body) + "</svg>")


def _colors(names: list[str]) -> dict[str, str]:
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(names)}


def _legend(colors: dict[str, str]) -> str:
    return '<div class="legend">' + "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>' for n, c in colors.items()) + "</div>"


# ----------------------------------------------------------------------------- charts
def chart_timeline(sec: dict, colors: dict[str, str]) -> str:
    tl = sec["timeline"]
    pts_all = [p for d in tl["characters"].values() for p in d["points"]]
    W, H, L, R = 1160, 430, 52, 14
    if not pts_all:
        return _svg("timeline", W, 80, ['<text x="20" y="45" fill="#6b7785">no timed lines</text>'], "timeline")
    t0 = min(p[0] for p in pts_all)
    t1 = max(max(p[0] for p in pts_all), t0 + 1.0)
    X = lambda t: L + (t - t0) / (t1 - t0) * (W - L - R)  # noqa: E731
    panels = (("valence", 1, 28, 200, -1.0, 1.0), ("arousal", 2, 262, 140, 0.0, 1.0))
    b: list[str] = []
    for k, s in enumerate(tl["scenes"]):
        if k % 2:
            b.append(f'<rect x="{_n(X(s["start"]))}" y="20" width="{_n(max(1.0, X(s["end"]) - X(s["start"])))}" height="{H - 50}" fill="#f1f3f6"/>')
    for name, col, top, h, lo, hi in panels:
        Y = lambda v, top=top, h=h, lo=lo, hi=hi: top + (hi - v) / (hi - lo) * h  # noqa: E731
        b.append(f'<text x="6" y="{top - 8}" font-size="12" font-weight="600" fill="#34495e">{name}</text>')
        for v in ([-1, -0.5, 0, 0.5, 1] if lo < 0 else [0, 0.5, 1]):
            b.append(f'<line x1="{L}" x2="{W - R}" y1="{_n(Y(v))}" y2="{_n(Y(v))}" stroke="{_grid(v)}"/>')
            b.append(f'<text x="{L - 6}" y="{_n(Y(v) + 4)}" font-size="10" text-anchor="end" fill="#6b7785">{v:g}</text>')
        for c, d in tl["characters"].items():
            pts = [(X(p[0]), Y(p[col])) for p in d["points"] if p[col] is not None]
            if len(pts) > 1:
                b.append(f'<polyline fill="none" stroke="{colors[c]}" stroke-width="1.6" stroke-opacity="0.9" points="'
                         + " ".join(f"{_n(x)},{_n(y)}" for x, y in pts) + '"/>')
            for (x, y), p in zip(pts, [p for p in d["points"] if p[col] is not None]):
                b.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.6" fill="{colors[c]}"><title>{_e(c)} {_mmss(p[0])} {name} {p[col]:.2f} ({_e(p[4])})</title></circle>')
    for x in sec["conflicts"]["items"]:
        cx = X(x["time"])
        b.append(f'<path d="M{_n(cx - 5)},20 L{_n(cx + 5)},20 L{_n(cx)},29 Z" fill="#c0392b"><title>conflict {_mmss(x["time"])} {_e(x["character"])}: {_e(x["line"])}</title></path>')
    for k in range(7):
        t = t0 + (t1 - t0) * k / 6
        b.append(f'<text x="{_n(X(t))}" y="{H - 10}" font-size="10" text-anchor="middle" fill="#6b7785">{_mmss(t)}</text>')
    return _svg("timeline", W, H, b, "arousal and valence over time per character")


def chart_arc(c: str, d: dict, color: str, lang: str = "en") -> str:
    W, H, L, R, T, B = 360, 170, 30, 10, 26, 22
    pts = d["points"]
    arc = d["arc"]
    title = f"{c} — {i18n.ARC[lang].get(arc['arc_class'], arc['arc_class'])}" if arc else f"{c} — arc not in analysis"
    b = [f'<text x="{L}" y="16" font-size="12.5" font-weight="600" fill="#1d2733">{_e(title)}</text>']
    if not pts:
        return f'<svg class="arc" viewBox="0 0 {W} {H}" width="100%">' + "".join(b) + "</svg>"
    t0, t1 = pts[0][0], max(pts[-1][0], pts[0][0] + 1.0)
    X = lambda t: L + (t - t0) / (t1 - t0) * (W - L - R)  # noqa: E731
    Y = lambda v: T + (1.0 - v) / 2.0 * (H - T - B)  # noqa: E731
    for v in (-1, 0, 1):
        b.append(f'<line x1="{L}" x2="{W - R}" y1="{_n(Y(v))}" y2="{_n(Y(v))}" stroke="{_grid(v)}"/>')
        b.append(f'<text x="{L - 4}" y="{_n(Y(v) + 3)}" font-size="9" text-anchor="end" fill="#6b7785">{v:+g}</text>')
    for p in pts:
        if p[1] is not None:
            b.append(f'<circle cx="{_n(X(p[0]))}" cy="{_n(Y(p[1]))}" r="2" fill="{color}" fill-opacity="0.35"/>')
    sm = [(X(p[0]), Y(p[3])) for p in pts if p[3] is not None]
    if len(sm) > 1:
        d_attr = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in sm)
        b.append(f'<path d="{d_attr}" fill="none" stroke="{color}" stroke-width="2.2"/>')
    for tp in (arc["turning_points"] if arc else []):
        x, y = X(tp["time"]), Y(tp["valence"])
        up = tp["kind"] == "peak"
        # a peak gets an upward triangle above the line, a valley a downward one below it
        tri = (f"M{_n(x - 5)},{_n(y - 3)} L{_n(x + 5)},{_n(y - 3)} L{_n(x)},{_n(y - 11)} Z" if up
               else f"M{_n(x - 5)},{_n(y + 3)} L{_n(x + 5)},{_n(y + 3)} L{_n(x)},{_n(y + 11)} Z")
        b.append(f'<path d="{tri}" fill="#1d2733"><title>{tp["kind"]} {_mmss(tp["time"])} valence {tp["valence"]:+.2f}</title></path>')
        b.append(f'<text x="{_n(x)}" y="{_n(y - 14 if up else y + 21)}" font-size="9" text-anchor="middle" fill="#1d2733">{tp["valence"]:+.2f}</text>')
    b.append(f'<text x="{L}" y="{H - 6}" font-size="9" fill="#6b7785">{_mmss(t0)}</text>')
    b.append(f'<text x="{W - R}" y="{H - 6}" font-size="9" text-anchor="end" fill="#6b7785">{_mmss(t1)}</text>')
    if arc:
        b.append(f'<title>{_e(arc["rule"])}</title>')
    return f'<svg class="arc" viewBox="0 0 {W} {H}" width="100%" xmlns="http://www.w3.org/2000/svg">' + "".join(b) + "</svg>"


def _pol_badge(label: str, pol: int, color_only: bool = False) -> str:
    return f'<span class="badge" style="background:{POL_COLOR[pol]}">{_e(label)}</span>'


def _polarity(emotion: str) -> int:
    from reelmind.core.records import POLARITY

    return int(POLARITY.get(emotion, 0))


def chart_conflicts(sec: dict, colors: dict[str, str]) -> str:
    co = sec["conflicts"]
    ov = sec["overview"]
    W, H = 1160, 64
    dur = max(ov["duration_s"], 1.0)
    pts = [p for d in sec["timeline"]["characters"].values() for p in d["points"]]
    t0 = min((p[0] for p in pts), default=0.0)
    X = lambda t: 20 + (t - t0) / dur * (W - 40)  # noqa: E731
    b = [f'<line x1="20" x2="{W - 20}" y1="34" y2="34" stroke="#b8c0c8" stroke-width="2"/>']
    for x in co["items"]:
        cx = X(x["time"])
        b.append(f'<circle cx="{_n(cx)}" cy="34" r="6" fill="{colors.get(x["character"], "#c0392b")}" stroke="#c0392b" stroke-width="2">'
                 f'<title>{_mmss(x["time"])} {_e(x["character"])}: {_e(x["line"])}</title></circle>')
    b.append(f'<text x="20" y="60" font-size="10" fill="#6b7785">{_mmss(t0)}</text>')
    b.append(f'<text x="{W - 20}" y="60" font-size="10" text-anchor="end" fill="#6b7785">{_mmss(t0 + dur)}</text>')
    b.append(f'<text x="20" y="16" font-size="11" fill="#34495e">{co["count"]} conflict moment(s)</text>')
    rows = []
    for x in co["items"]:
        f, v, t = x["face"], x["voice"], x["text"]
        vv = v["valence"]
        vpol = 0 if vv is None or abs(vv) < 0.1 else (1 if vv > 0 else -1)
        face = _pol_badge(f"face: {f['emotion'] or '—'} ({f['confidence']:.2f})" if f["confidence"] is not None else f"face: {f['emotion'] or '—'}", _polarity(f["emotion"]))
        voice = _pol_badge(f"voice: v {vv:+.2f} a {v['arousal']:.2f}" if vv is not None and v["arousal"] is not None else "voice: —", vpol)
        text = _pol_badge(f"text: {t['emotion'] or '—'} ({t['confidence']:.2f})" if t["confidence"] is not None else f"text: {t['emotion'] or '—'}", _polarity(t["emotion"]))
        rows.append(f"<tr><td>{_mmss(x['time'])}</td><td>{_e(x['character'])}</td><td>{_e(x['line'])}</td><td>{face}{voice}{text}"
                    + (f'<div class="note">{_e(x["channels"])}</div>' if x["channels"] else "") + "</td></tr>")
    table = ("<table><tr><th>time</th><th>speaker</th><th>line</th><th>face · voice · text</th></tr>" + "".join(rows) + "</table>"
             if rows else '<p class="note">No multimodal conflicts in this film.</p>')
    more = f'<p class="note">showing {co["shown"]} of {co["count"]}</p>' if co["count"] > co["shown"] else ""
    return _svg("conflicts", W, H, b, "conflict moments on the film's timeline") + table + more


def chart_ocean(sec: dict, colors: dict[str, str], top: int = 6) -> str:
    chars = sec["ocean"]["characters"][:top]
    W, H, cx, cy, R = 470, 420, 235, 215, 160
    ang = [-math.pi / 2 + 2 * math.pi * k / 5 for k in range(5)]
    P = lambda k, r: (cx + r * math.cos(ang[k]), cy + r * math.sin(ang[k]))  # noqa: E731
    b = []
    for ring in (0.2, 0.4, 0.6, 0.8, 1.0):
        b.append('<polygon fill="none" stroke="#e3e7ec" points="' + " ".join(f"{_n(P(k, R * ring)[0])},{_n(P(k, R * ring)[1])}" for k in range(5)) + '"/>')
    for k, t in enumerate(TRAITS):
        x, y = P(k, R)
        b.append(f'<line x1="{cx}" y1="{cy}" x2="{_n(x)}" y2="{_n(y)}" stroke="#d5d8dc"/>')
        lx, ly = P(k, R + 22)
        b.append(f'<text x="{_n(lx)}" y="{_n(ly + 4)}" font-size="12" text-anchor="middle" fill="#34495e">{t} {i18n.TRAIT["en"][t]}</text>')
    for r in chars:
        c = r["character"]
        vals = [r["traits"][t]["value"] or 0.0 for t in TRAITS]
        pts = [P(k, R * vals[k]) for k in range(5)]
        b.append(f'<polygon fill="{colors.get(c, "#888")}" fill-opacity="0.16" stroke="{colors.get(c, "#888")}" stroke-width="2" points="'
                 + " ".join(f"{_n(x)},{_n(y)}" for x, y in pts) + f'"><title>{_e(c)}: ' + ", ".join(f"{t}={v:.2f}" for t, v in zip(TRAITS, vals)) + "</title></polygon>")
        for x, y in pts:
            b.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.5" fill="{colors.get(c, "#888")}"/>')
    return _svg("ocean", W, H, b, "OCEAN personality radar") + _legend({r["character"]: colors.get(r["character"], "#888") for r in chars})


def ocean_table(sec: dict) -> str:
    rows = "".join(f"<tr><td>{_e(r['character'])}</td>" + "".join(f"<td>{r['traits'][t]['value']:.2f}</td>" for t in TRAITS) + "</tr>"
                   for r in sec["ocean"]["characters"])
    return "<table><tr><th></th>" + "".join(f"<th>{t} {i18n.TRAIT['en'][t]}</th>" for t in TRAITS) + "</tr>" + rows + "</table>"


def chart_social(sec: dict, colors: dict[str, str]) -> str:
    so = sec["social"]
    names = so["matrix"]["names"]
    W, H = 560, 460
    cx, cy, R = W / 2, H / 2 + 6, 165
    n = max(len(names), 1)
    pos = {c: (cx + R * math.cos(-math.pi / 2 + 2 * math.pi * k / n), cy + R * math.sin(-math.pi / 2 + 2 * math.pi * k / n)) for k, c in enumerate(names)}
    lines = {r["character"]: r["lines"] for r in sec["emotion_stats"]["characters"]}
    mx = max(lines.values(), default=1)
    b = ['<defs>' + "".join(f'<marker id="arr-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">'
                            f'<path d="M0,0 L10,5 L0,10 z" fill="{col}"/></marker>' for k, col in CIRCLE_COLOR.items()) + "</defs>"]
    for i, a in enumerate(names):
        for j, c in enumerate(names):
            circ = so["matrix"]["circle"][i][j]
            x = so["matrix"]["intimacy"][i][j]
            if i == j or not circ or (circ == "stranger" and not x):
                continue
            (x1, y1), (x2, y2) = pos[a], pos[c]
            dx, dy = x2 - x1, y2 - y1
            dist = math.hypot(dx, dy) or 1.0
            rr = 12 + 14 * lines.get(c, 0) / mx
            rs = 12 + 14 * lines.get(a, 0) / mx
            sx, sy = x1 + dx / dist * rs, y1 + dy / dist * rs
            ex, ey = x2 - dx / dist * (rr + 3), y2 - dy / dist * (rr + 3)
            mxp, myp = (sx + ex) / 2 - dy / dist * 22, (sy + ey) / 2 + dx / dist * 22  # bend: A->B and B->A apart
            b.append(f'<path d="M{_n(sx)},{_n(sy)} Q{_n(mxp)},{_n(myp)} {_n(ex)},{_n(ey)}" fill="none" stroke="{CIRCLE_COLOR[circ]}" '
                     f'stroke-width="{CIRCLE_WIDTH[circ]}" marker-end="url(#arr-{circ})"><title>{_e(a)} → {_e(c)}: {circ} ({x:.2f})</title></path>')
    for c, (x, y) in pos.items():
        r = 12 + 14 * lines.get(c, 0) / mx
        b.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{colors.get(c, "#888")}" stroke="#fff" stroke-width="2"><title>{_e(c)}: {lines.get(c, 0)} lines</title></circle>')
        ux, uy = (x - cx) / R, (y - cy) / R  # label outside the ring, away from the edges
        anchor = "start" if ux > 0.3 else "end" if ux < -0.3 else "middle"
        b.append(f'<text x="{_n(x + ux * (r + 10))}" y="{_n(y + uy * (r + 12) + 4)}" font-size="12" font-weight="600" '
                 f'text-anchor="{anchor}" fill="#1d2733">{_e(c)}</text>')
    b.append(f'<text x="10" y="18" font-size="11" fill="#6b7785">{so["nodes"]} nodes, {so["n_links"]} directed links, {so["migrations"]} migrations</text>')
    graph = _svg("social", W, H, b, "directed social graph coloured by Dunbar circle")
    rings = "".join(_ego_rings(c, so["circles"].get(c, {}), colors) for c in names[:4])
    legend = _legend({f"{k}": col for k, col in CIRCLE_COLOR.items() if k != "stranger"})
    return f'<div class="grid2"><div>{graph}{legend}</div><div class="rings">{rings}</div></div>'


def _ego_rings(ego: str, circles: dict, colors: dict[str, str]) -> str:
    W, H = 360, 160
    cx, cy = 80, 80
    radii = {"intimate": 16, "close": 30, "friends": 44, "acquaintance": 58, "stranger": 70}
    b = [f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{CIRCLE_COLOR[k]}" stroke-opacity="0.7" stroke-dasharray="3 3"/>' for k, r in radii.items()]
    b.append(f'<circle cx="{cx}" cy="{cy}" r="7" fill="{colors.get(ego, "#888")}"/>')
    listing = []
    for k, r in radii.items():
        alters = circles.get(k, [])
        for m, (name, x) in enumerate(alters):
            a = -math.pi / 2 + 2 * math.pi * (m + 0.5 * (list(radii).index(k) % 2)) / max(len(alters), 1)
            px, py = cx + r * math.cos(a), cy + r * math.sin(a)
            b.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="4.5" fill="{colors.get(name, "#888")}" stroke="{CIRCLE_COLOR[k]}" stroke-width="1.5"><title>{_e(ego)} → {_e(name)}: {k} ({x:.2f})</title></circle>')
        if alters:
            shown = ", ".join(n for n, _ in alters[:3])
            listing.append((k, (shown[:21] + "…") if len(shown) > 22 or len(alters) > 3 else shown))
    b.append(f'<text x="166" y="22" font-size="12.5" font-weight="600" fill="#1d2733">{_e(ego)}</text>')
    for row, (k, txt) in enumerate(listing[:5]):
        col = CIRCLE_COLOR[k] if k != "stranger" else "#95a5a6"
        b.append(f'<text x="166" y="{42 + 18 * row}" font-size="11" fill="{col}">{k}:</text>')
        b.append(f'<text x="244" y="{42 + 18 * row}" font-size="11" fill="#1d2733">{_e(txt)}</text>')
    if not listing:
        b.append('<text x="166" y="42" font-size="11" fill="#6b7785">no relationships yet</text>')
    return f'<svg class="rings" viewBox="0 0 {W} {H}" width="100%" xmlns="http://www.w3.org/2000/svg">' + "".join(b) + "</svg>"


def _heat(s: float | None) -> str:
    if s is None:
        return "#eceff1"
    t = max(0.0, min(1.0, s / 10.0))
    r, g, bl = (int(round(a + (b - a) * t)) for a, b in ((0xf4, 0x2e), (0xa2, 0x8b), (0x61, 0x57)))
    return f"#{r:02x}{g:02x}{bl:02x}"


def chart_scores(sec: dict) -> str:
    sc = sec["scoring"]["characters"]
    dims = [d["key"] for d in sc[0]["dimensions"]] if sc else []
    cw, rh, L, T = 128, 30, 120, 62
    W, H = L + cw * (len(dims) + 1) + 10, T + rh * max(len(sc), 1) + 12
    b = []
    for k, key in enumerate(dims + ["total"]):
        label = i18n.DIMENSION["en"].get(key, "Total").split(" ")
        for m, part in enumerate(label[:3]):
            b.append(f'<text x="{L + cw * k + cw / 2}" y="{16 + 14 * m}" font-size="11" text-anchor="middle" fill="#34495e">{_e(part)}</text>')
    for r, row in enumerate(sc):
        y = T + rh * r
        b.append(f'<text x="{L - 8}" y="{y + 19}" font-size="12" text-anchor="end" fill="#1d2733">{_e(row["character"])}</text>')
        cells = [(d["score"], d["weight"], d["detail"]) for d in row["dimensions"]] + [(row["total"], 1.0, "weighted total")]
        for k, (s, w, det) in enumerate(cells):
            x = L + cw * k
            b.append(f'<rect x="{x + 2}" y="{y + 2}" width="{cw - 4}" height="{rh - 4}" rx="4" fill="{_heat(s)}"><title>{_e(det)}</title></rect>')
            txt = "—" if s is None else f"{s:.1f}" + ("" if k == len(dims) else f" · {w:.0%}")
            b.append(f'<text x="{x + cw / 2}" y="{y + 19}" font-size="12" text-anchor="middle" fill="#fff" font-weight="600">{txt}</text>')
    return _svg("scores", W, H, b, "six-dimension performance scores")


# ----------------------------------------------------------------------------- page
def _card(chart: str, title: str, body: str, sub: str = "") -> str:
    return f'<section class="card" data-chart="{chart}"><h2>{_e(title)}<small>{_e(sub)}</small></h2>{body}</section>'


def render_html(report: dict) -> str:
    """The full self-contained page."""
    sec = report["sections"]
    ov = sec["overview"]
    names = ov["shown_characters"]
    colors = _colors(names + [n for n in sec["social"]["matrix"]["names"] if n not in names])
    tier = ov["fer_tier"]
    stats = [(ov["lines"], "lines"), (ov["characters"], "characters"), (_mmss(ov["duration_s"]), "duration"),
             (ov["scenes"], "scenes"), (sec["conflicts"]["count"], "conflicts"), (tier["tier"], "FER tier"),
             (sec["social"]["migrations"], "circle migrations")]
    if sec["memory"]["stats"]:
        stats.append((sec["memory"]["stats"]["total"], "memories"))
    parts = [f'<header><h1>{_e(report["film"])}</h1><p>reelmind structured report · zero-LLM, reproducible · FER {_e(tier["tier"])}: {_e(tier["reason"])}</p></header><main>']
    parts.append('<div class="stats">' + "".join(f'<div class="stat"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in stats) + "</div>")
    if report["warnings"]:
        parts.append('<div class="warn"><b>Warnings about the data:</b><ul>' + "".join(f"<li>{_e(w)}</li>" for w in report["warnings"]) + "</ul></div>")
    if report["missing"]:
        parts.append('<div class="warn"><b>Missing from the analysis:</b> ' + "; ".join(f"{_e(k)} ({_e(v)})" for k, v in report["missing"].items()) + "</div>")
    parts.append(_card("timeline", "Valence and arousal over time", _legend({c: colors[c] for c in names}) + chart_timeline(sec, colors),
                       "per character · shaded bands = scenes · red marks = multimodal conflicts"))
    arcs = "".join(chart_arc(c, d, colors[c]) for c, d in sec["timeline"]["characters"].items())
    parts.append(_card("arcs", "Emotion arcs and turning points", f'<div class="arcs">{arcs}</div>',
                       "smoothed valence · ▲ peak ▼ valley" + (f" · arcs missing: {sec['timeline']['arcs_missing']}" if sec["timeline"]["arcs_missing"] else "")))
    parts.append(_card("conflicts", "Multimodal conflicts", chart_conflicts(sec, colors), "face · voice · text polarity disagree (2 of 3)"))
    ocean_ev = "".join(f"<details><summary>{_e(r['character'])}</summary><ul>" + "".join(
        f"<li><b>{t} {r['traits'][t]['value']:.2f}</b> {_e(r['traits'][t]['evidence'])}</li>" for t in TRAITS) + "</ul></details>"
        for r in sec["ocean"]["characters"])
    src = "from the personality stage" if sec["ocean"]["source"] == "analysis" else f"missing: {sec['ocean']['missing']}"
    parts.append(_card("ocean", "OCEAN personality", f'<div class="grid2"><div>{chart_ocean(sec, colors)}</div><div>{ocean_table(sec)}{ocean_ev}</div></div>', src))
    parts.append(_card("social", "Social graph · Dunbar circles", chart_social(sec, colors), "directed: A → B is how close A holds B"))
    det = "".join(f"<details><summary>{_e(r['character'])} · {'—' if r['total'] is None else format(r['total'], '.1f')}/10</summary><table>"
                  + "".join(f"<tr><td>{_e(d['name'])}</td><td>{'—' if d['score'] is None else format(d['score'], '.1f')}</td><td>{d['weight']:.0%}</td><td>{_e(d['detail'])}</td></tr>" for d in r["dimensions"])
                  + "</table></details>" for r in sec["scoring"]["characters"])
    parts.append(_card("scores", "Performance scores (6 white-box dimensions)", chart_scores(sec) + det,
                       f"FER tier {tier['tier']}: weights shifted as documented"))
    linked = report.get("linked") or {}
    if linked:
        items = []
        if "prompts" in linked:
            lp = linked["prompts"]
            items.append(f'<li><a href="{_e(lp["page"])}">Video prompts: {lp["keyframes"]} keyframes</a> '
                         f'(<a href="{_e(lp["sheet"])}">traced prompt sheet</a>)</li>')
        if "microexpr" in linked:
            lm = linked["microexpr"]
            items.append(f'<li><a href="{_e(lm["page"])}">Micro-expressions: {lm["events"]} events</a>; '
                         f'suppression on {len(lm["suppressed_lines"])} line(s)</li>')
        parts.append(f'<section class="card"><h2>More from this film</h2><ul>{"".join(items)}</ul></section>')
    summ = '<div class="lang"><button data-l="en" onclick="setLang(\'en\')">English</button> <button data-l="zh" onclick="setLang(\'zh\')">中文</button></div>'
    for lang in i18n.LANGS:
        summ += f'<ul data-lang="{lang}">' + "".join(f"<li>{_e(t)}</li>" for t in sec["summaries"][lang].values()) + "</ul>"
    parts.append(f'<section class="card"><h2>Psychological summaries · 心理摘要</h2>{summ}</section>')
    parts.append(f'<p class="note">{_e(report["schema"])} · ' + " · ".join(f"{_e(k)} {_e(v)}" for k, v in report["meta"]["versions"].items()) + "</p></main>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{_e(report['film'])} · reelmind report</title><style>{_CSS}</style></head><body>" + "".join(parts)
            + f"<script>{_JS}</script></body></html>\n")
