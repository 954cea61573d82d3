"""The structured report: zero LLM, 100 % reproducible, 10 sections as JSON + Markdown (en / zh).

:func:`build_report` turns the dataset and the analysis pieces into one JSON-able dict (floats
rounded to 4 decimals, NaN as null, every list in a fixed order); the Markdown files, the HTML
report and the optional LLM review are rendered from that dict only. Same inputs and options
give byte-identical files (tested).

Sections: 1 overview, 2 emotion statistics, 3 timeline and arcs, 4 transitions and surprise,
5 memory statistics, 6 OCEAN, 7 social matrix (Dunbar circles, influence), 8 scoring (6
dimensions, FER tier), 9 multimodal conflicts, 10 bilingual psychological summaries.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.atomic import write_json, write_text
from reelmind.core.stage import options_dict

from . import report_i18n as i18n
from .circumplex import face_label
from .dunbar import CIRCLES, DunbarOptions, run_dunbar
from .influence import interaction_events
from .ocean import TRAITS, dataset_transitions, infer_personality, rolling_volatility
from .report_inputs import ReportInputs
from .scoring import ScoringOptions, moment_points, score_film
from .types import to_jsonable

log = logging.getLogger("reelmind.cognition.report_structured")

SCHEMA = "reelmind.report/1"
SECTION_KEYS = ("overview", "emotion_stats", "timeline", "transitions", "memory", "ocean", "social",
                "scoring", "conflicts", "summaries")


@dataclass(frozen=True)
class ReportOptions:
    max_characters: int = 12  # characters shown in tables and charts (by number of lines)
    max_conflicts: int = 50
    max_migrations: int = 20
    max_points: int = 2000  # timeline points per character kept for charts (evenly thinned)
    dunbar: DunbarOptions = field(default_factory=DunbarOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)


def _clean(obj: Any, nd: int = 4) -> Any:
    """JSON-able, floats rounded, NaN/inf -> None, tuples -> lists."""
    obj = to_jsonable(obj)
    if isinstance(obj, float):
        return round(obj, nd) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v, nd) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v, nd) for v in obj]
    return obj


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("reelmind-cognition", "reelmind-core", "numpy", "numba"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _film_name(inputs: ReportInputs) -> str:
    if inputs.film:
        return inputs.film
    meta = inputs.dataset.meta or {}
    for key in ("film", "video", "source"):
        if meta.get(key):
            return Path(str(meta[key])).name
    return "film"


# ----------------------------------------------------------------------------- sections
def _emotion_stats(ds, chars: list[str]) -> dict:
    out = []
    for c in chars:
        idx = np.flatnonzero(ds.character == c)
        te = Counter(face_label(x) for x in ds.text_emotion[idx])
        fe = Counter(face_label(x) for x in ds.face_emotion[idx])
        te.pop("", None)
        fe.pop("", None)
        both = te + fe
        dom = sorted(both.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if both else ""

        def m(col):
            x = np.asarray(col[idx], dtype=np.float64)
            x = x[np.isfinite(x)]
            return float(x.mean()) if x.size else math.nan

        out.append({"character": c, "lines": int(len(idx)), "text_emotions": dict(sorted(te.items())),
                    "face_emotions": dict(sorted(fe.items())), "dominant": dom, "mean_valence": m(ds.valence),
                    "mean_arousal": m(ds.arousal), "mean_dominance": m(ds.dominance),
                    "speaking_time": float(np.sum(ds.end_time[idx] - ds.start_time[idx]))})
    return {"characters": out}


def _thin(n: int, k: int) -> np.ndarray:
    return np.arange(n) if n <= k else np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def _timeline(moments, inputs: ReportInputs, chars: list[str], options: ReportOptions) -> dict:
    from .arcs import ArcOptions, smooth

    arcs = {a.character: a for a in inputs.arcs or []}
    per = {}
    for c in chars:
        i = np.flatnonzero(moments.character == c)
        keep = _thin(len(i), options.max_points)
        v = moments.valence[i].astype(np.float64)
        sm = smooth(v, ArcOptions().window)
        per[c] = {
            "points": [[float(moments.time[i][k]), float(v[k]), float(moments.arousal[i][k]), float(sm[k]),
                        str(moments.emotion[i][k])] for k in keep],
            "arc": to_jsonable(arcs[c]) if c in arcs else None,
        }
    scenes = []
    if len(moments):
        for s in np.unique(moments.scene):
            t = moments.time[moments.scene == s]
            scenes.append({"scene": int(s), "start": float(t.min()), "end": float(t.max()), "lines": int(len(t))})
    return {"characters": per, "scenes": scenes, "point_fields": ["time", "valence", "arousal", "smoothed_valence", "emotion"],
            "arcs_missing": inputs.missing.get("arcs", "")}


def _transitions(transitions, source: str, inputs: ReportInputs, chars: list[str]) -> dict:
    cons = {c.character: c for c in inputs.consolidation or []}
    out = []
    for c in chars:
        own = [t for t in transitions if t.character == c]
        counts = Counter(t.type for t in own)
        sur = [t.surprise for t in own if math.isfinite(t.surprise)]
        stab = [t.stability for t in own if math.isfinite(t.stability)]
        sudden = [t for t in own if t.type == "SUDDEN"]
        pats = Counter(f"{t.from_emotion} → {t.to_emotion}" for t in sudden)
        row = {"character": c, "transitions": len(own), "counts": {k: counts.get(k, 0) for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")},
               "sudden_ratio": len(sudden) / len(own) if own else 0.0,
               "mean_stability": float(np.mean(stab)) if stab else math.nan,
               "mean_surprise": float(np.mean(sur)) if sur else math.nan,
               "patterns": [{"pattern": p, "count": n} for p, n in sorted(pats.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
               "hotspots": [], "consolidation_summary": ""}
        if c in cons:
            cc = cons[c]
            row["hotspots"] = [{"start": h.start, "end": h.end, "shifts": h.shifts, "patterns": list(h.patterns)} for h in cc.hotspots]
            row["consolidation_summary"] = cc.summary
        out.append(row)
    return {"source": source, "characters": out, "consolidation_missing": inputs.missing.get("consolidation", "")}


def _conflicts(ds, options: ReportOptions) -> dict:
    idx = np.flatnonzero(ds.conflict)
    idx = idx[np.lexsort((idx, ds.start_time[idx]))]
    items = []
    for r in idx[: options.max_conflicts]:
        fv = face_label(ds.face_emotion[r])
        items.append({
            "time": float(ds.start_time[r]), "character": str(ds.character[r]), "line": str(ds.dialogue[r]),
            "face": {"emotion": fv, "confidence": float(ds.face_confidence[r])},
            "voice": {"valence": float(ds.valence[r]), "arousal": float(ds.arousal[r])},
            "text": {"emotion": face_label(ds.text_emotion[r]), "confidence": float(ds.text_confidence[r])},
            "channels": str(ds.conflict_channels[r]),
        })
    return {"count": int(len(idx)), "shown": len(items), "items": items}


def _summary_numbers(c: str, tr: dict, arcs: dict, ocean: dict, social: dict, scores: dict, vol: float) -> dict:
    s: dict[str, Any] = {"character": c, "volatility": vol}
    t = tr.get(c)
    if t and t["transitions"]:
        s["mean_stability"] = t["mean_stability"] if math.isfinite(t["mean_stability"]) else None
        s["sudden_ratio"] = t["sudden_ratio"]
        if t["patterns"]:
            a, b = t["patterns"][0]["pattern"].split(" → ")
            s.update(top_from=face_label(a) or a, top_to=face_label(b) or b, top_count=t["patterns"][0]["count"])
    if c in arcs and arcs[c]:
        s["arc"] = arcs[c]["arc_class"]
    if c in ocean:
        vals = ocean[c]
        hi = sorted(TRAITS, key=lambda k: (-vals[k], k))[0]
        lo = sorted(TRAITS, key=lambda k: (vals[k], k))[0]
        s.update(top_trait=hi, top_value=vals[hi], low_trait=lo, low_value=vals[lo])
    s["inner"] = [n for n, _ in (social.get(c) or {}).get("intimate", [])]
    s["score"] = scores.get(c)
    return s


def social_names(graph, chars: list[str], k: int) -> list[str]:
    """The speakers shown, then the people most involved in interactions (listeners), up to ``k``."""
    out = [c for c in chars if c in graph.names]
    involvement = Counter()
    for m in graph.memories:
        n = m.positive + m.negative + m.neutral
        involvement[m.receiver] += n
        involvement[m.actor] += n
    for name, _ in sorted(involvement.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(out) >= k:
            break
        if name not in out:
            out.append(name)
    return out


# ----------------------------------------------------------------------------- build
def build_report(inputs: ReportInputs, options: ReportOptions = ReportOptions(),
                 progress: Callable[[float, str], None] | None = None) -> dict:
    """The whole structured report as a JSON-able dict (deterministic)."""
    from .bridge import bridge

    prog = progress or (lambda f, m: None)
    ds = inputs.dataset
    counts = Counter(str(c) for c in ds.character if c)
    all_chars = sorted(counts, key=lambda c: (-counts[c], c))
    chars = all_chars[: options.max_characters]
    prog(0.05, "bridge")
    moments, weights = bridge(ds)
    prog(0.15, "transitions")
    if inputs.transitions is not None:
        transitions, source = inputs.transitions, "analysis"
    else:
        transitions, source = dataset_transitions(ds), "dataset"
    prog(0.3, "social graph")
    events = interaction_events(ds, options.dunbar.influence)
    graph = run_dunbar(events, options.dunbar)
    prog(0.5, "scoring")
    tier, scores = score_film(ds, options.scoring, transitions=inputs.transitions)
    prog(0.65, "personality")
    stm_vol: dict[str, list[float]] = {}
    for p in inputs.stm or []:
        stm_vol.setdefault(p.character, []).append(p.volatility)
    hot = {c.character: len(c.hotspots) for c in inputs.consolidation or []}
    ocean, vol_mean = {}, {}
    _, arousal_all = moment_points(ds)
    by_char: dict[str, list] = {}
    for t in transitions:
        by_char.setdefault(t.character, []).append(t)
    for c in all_chars:
        vol = stm_vol.get(c)
        if vol is None:
            vol = rolling_volatility(moments.valence[moments.character == c])
        finite = [v for v in vol if math.isfinite(v)]
        vol_mean[c] = float(np.mean(finite)) if finite else 0.0
        ocean[c] = infer_personality(c, ds, by_char.get(c, []), vol, hot.get(c, 0), graph.memories, source=source,
                                     arousal_all=arousal_all)
    prog(0.8, "sections")
    top_names = social_names(graph, chars, options.max_characters)
    circles = {c: graph.circles_of(c) for c in top_names}
    ix = [graph.names.index(c) for c in top_names]
    social = {
        "nodes": len(graph.names), "n_links": graph.n_links, "migrations": len(graph.migrations),
        "matrix": {"names": top_names, "intimacy": graph.intimacy[np.ix_(ix, ix)].tolist() if ix else [],
                   "circle": [[CIRCLES[k] if k >= 0 else "" for k in row] for row in graph.circle[np.ix_(ix, ix)].tolist()] if ix else []},
        "circles": {c: {k: [[n, x] for n, x in v] for k, v in circ.items() if v} for c, circ in circles.items()},
        "migration_log": [m.to_dict() for m in graph.migrations[-options.max_migrations:]],
        "pairs": [{"receiver": m.receiver, "actor": m.actor, "positive": m.positive, "negative": m.negative,
                   "neutral": m.neutral, "impact": m.impact, "events": m.events} for m in graph.memories
                  if m.receiver in top_names and m.actor in top_names],
    }
    score_map = {s.character: s for s in scores}
    trans = _transitions(transitions, source, inputs, chars)
    timeline = _timeline(moments, inputs, chars, options)
    arcs = {c: timeline["characters"][c]["arc"] for c in chars}
    tr_by = {t["character"]: t for t in trans["characters"]}
    summaries: dict[str, dict[str, str]] = {lang: {} for lang in i18n.LANGS}
    for c in chars:
        nums = _summary_numbers(c, tr_by, arcs, {k: ocean[k].values() for k in ocean}, circles,
                                {k: v.total for k, v in score_map.items()}, vol_mean[c])
        for lang in i18n.LANGS:
            summaries[lang][c] = i18n.summary(lang, nums)
    end = float(np.max(ds.end_time)) if len(ds) else 0.0
    start = float(np.min(ds.start_time)) if len(ds) else 0.0
    sections = {
        "overview": {"film": _film_name(inputs), "lines": len(ds), "characters": len(all_chars), "shown_characters": chars,
                     "duration_s": end - start, "scenes": int(moments.scene.max()) + 1 if len(moments) else 0,
                     "fer_tier": tier.to_dict(),
                     "channel_weights": to_jsonable(inputs.channel_weights or weights),
                     "channel_weights_source": "analysis" if inputs.channel_weights else "bridge rules on the dataset"},
        "emotion_stats": _emotion_stats(ds, chars),
        "timeline": timeline,
        "transitions": trans,
        "memory": {"stats": to_jsonable(inputs.memory_stats) if inputs.memory_stats else None,
                   "missing": inputs.missing.get("memory_stats", ""),
                   "scene_boundaries": len(inputs.scenes) if inputs.scenes is not None else None},
        "ocean": {"source": source, "characters": [ocean[c].to_dict() for c in chars]},
        "social": social,
        "scoring": {"fer_tier": tier.to_dict(), "characters": [score_map[c].to_dict() for c in chars if c in score_map]},
        "conflicts": _conflicts(ds, options),
        "summaries": summaries,
    }
    prog(1.0, "report built")
    return _clean({"schema": SCHEMA, "film": _film_name(inputs), "missing": dict(sorted(inputs.missing.items())),
                   "meta": {"options": options_dict(options), "versions": versions(), "models": []},
                   "sections": sections})


# ----------------------------------------------------------------------------- markdown
def _f(x: Any, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(_f(x).replace("|", "\\|").replace("\n", " ") for x in r) + " |")
    return out


def _emos(d: dict, lang: str) -> str:
    return ", ".join(f"{i18n.EMOTION[lang].get(k, k)} {v}" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))


def render_markdown(report: dict, lang: str = "en") -> str:
    """Markdown in ``lang`` ("en" or "zh"), from the report dict only."""
    W, S = i18n.WORDS[lang], i18n.SECTIONS[lang]
    sec = report["sections"]
    ov = sec["overview"]
    L: list[str] = [f"# {W['title']}: {report['film']}", "", f"_{W['generated']}_", ""]
    # 1 overview
    L += [f"## 1. {S[0]}", ""]
    cw = ov["channel_weights"]
    tier = ov["fer_tier"]
    L += _table([W["value"], ""], [
        [W["film"], ov["film"]], [W["lines"], ov["lines"]], [W["characters"], ov["characters"]],
        [W["duration"], f"{ov['duration_s']:.1f} s"], [W["scene_boundaries"], ov["scenes"]],
        [W["fer_tier"], f"{i18n.TIER[lang][tier['tier']]} ({tier['reason']})"],
        [W["channel_weights"], f"{W['text']} {cw['text']:.0%}, {W['face']} {cw['face']:.0%}, {W['voice']} {cw['voice']:.0%} ({cw['rule']})"],
    ])
    L += ["", f"**{W['missing']}:** " + ("; ".join(f"{k} ({v})" for k, v in report["missing"].items()) or W["none"]), ""]
    # 2 emotion stats
    L += [f"## 2. {S[1]}", ""]
    L += _table([W["character"], W["lines"], W["dominant"], f"{W['text']} {W['emotions']}", f"{W['face']} {W['emotions']}",
                 W["valence"], W["arousal"], W["dominance"]],
                [[r["character"], r["lines"], i18n.EMOTION[lang].get(r["dominant"], r["dominant"]), _emos(r["text_emotions"], lang),
                  _emos(r["face_emotions"], lang), r["mean_valence"], r["mean_arousal"], r["mean_dominance"]]
                 for r in sec["emotion_stats"]["characters"]])
    # 3 timeline and arcs
    L += ["", f"## 3. {S[2]}", ""]
    tl = sec["timeline"]
    if tl["arcs_missing"]:
        L += [f"_{W['missing']}: arcs ({tl['arcs_missing']})_", ""]
    rows = []
    for c, d in tl["characters"].items():
        a = d["arc"]
        tps = ", ".join(f"{i18n.WORDS[lang]['time']} {tp['time']:.1f}s {tp['kind']} {tp['valence']:+.2f}" for tp in a["turning_points"]) if a else ""
        rows.append([c, len(d["points"]), i18n.ARC[lang].get(a["arc_class"], a["arc_class"]) if a else W["not_available"],
                     a["rule"] if a else "", tps])
    L += _table([W["character"], W["lines"], W["arc"], W["rule"], W["turning_points"]], rows)
    # 4 transitions
    tr = sec["transitions"]
    src = W["source_analysis"] if tr["source"] == "analysis" else W["source_dataset"]
    L += ["", f"## 4. {S[3]}", "", f"_{src}_", ""]
    L += _table([W["character"], W["transitions"]] + [i18n.TRANSITION[lang][k] for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")]
                + [W["sudden_ratio"], W["mean_surprise"], W["top_pattern"], W["hotspots"]],
                [[r["character"], r["transitions"]] + [r["counts"][k] for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")]
                 + [f"{r['sudden_ratio']:.1%}", r["mean_surprise"],
                    f"{r['patterns'][0]['pattern']} ({r['patterns'][0]['count']})" if r["patterns"] else "",
                    len(r["hotspots"])] for r in tr["characters"]])
    if tr["consolidation_missing"]:
        L += ["", f"_{W['missing']}: consolidation ({tr['consolidation_missing']})_"]
    # 5 memory
    L += ["", f"## 5. {S[4]}", ""]
    mem = sec["memory"]
    if mem["stats"]:
        st = mem["stats"]
        L += _table([W["value"], ""], [[W["total"], st["total"]], [W["by_tier"], ", ".join(f"{k} {v}" for k, v in sorted(st["by_tier"].items()))],
                                       [W["by_kind"], ", ".join(f"{k} {v}" for k, v in sorted(st["by_kind"].items()))],
                                       ["promoted", st["promoted"]], ["preserved_high_arousal", st["preserved_high_arousal"]],
                                       [W["scene_boundaries"], st["scene_boundaries"]], ["backend", st["backend"]]])
    else:
        L += [f"_{W['missing']}: memory statistics ({mem['missing']})_"]
    # 6 OCEAN
    oc = sec["ocean"]
    L += ["", f"## 6. {S[5]}", ""]
    L += _table([W["character"]] + [f"{k} {i18n.TRAIT[lang][k]}" for k in TRAITS],
                [[r["character"]] + [r["traits"][k]["value"] for k in TRAITS] for r in oc["characters"]])
    L += [""]
    for r in oc["characters"]:
        L += [f"**{r['character']}**", ""]
        L += [f"- {k} {i18n.TRAIT[lang][k]} {r['traits'][k]['value']:.2f}: {r['traits'][k]['evidence']}" for k in TRAITS]
        L += [""]
    # 7 social
    so = sec["social"]
    L += [f"## 7. {S[6]}", "", f"{so['nodes']} {W['nodes']}, {so['n_links']} {W['links']}, {so['migrations']} {W['migrations']}", ""]
    names = so["matrix"]["names"]
    if names:
        L += _table(["→"] + names, [[a] + [("" if i == j else f"{so['matrix']['intimacy'][i][j]:.2f} {i18n.CIRCLE[lang].get(so['matrix']['circle'][i][j], '')}")
                                          for j in range(len(names))] for i, a in enumerate(names)])
        L += [""]
    for c, circ in so["circles"].items():
        parts = [f"{i18n.CIRCLE[lang][k]}: " + ", ".join(f"{n} ({x:.2f})" for n, x in v) for k, v in circ.items()]
        L += [f"- **{c}**: " + ("; ".join(parts) or W["none"])]
    if so["pairs"]:
        L += ["", f"**{W['pairs']}**", ""]
        L += _table(["→", W["positive"], W["negative"], W["impact"], W["events"]],
                    [[f"{p['receiver']} → {p['actor']}", p["positive"], p["negative"], p["impact"],
                      ", ".join(f"{k} {v}" for k, v in p["events"].items())] for p in so["pairs"]])
    if so["migration_log"]:
        L += ["", f"**{W['migration_log']}**", ""]
        L += _table([W["time"], "→", W["from"], W["to"], W["intimacy"], W["trigger"]],
                    [[f"{m['time']:.1f}s", f"{m['source']} → {m['target']}", i18n.CIRCLE[lang][m["from"]], i18n.CIRCLE[lang][m["to"]],
                      m["intimacy"], m["trigger"]] for m in so["migration_log"]])
    # 8 scoring
    sc = sec["scoring"]
    L += ["", f"## 8. {S[7]}", "", f"{W['fer_tier']}: **{i18n.TIER[lang][sc['fer_tier']['tier']]}** ({sc['fer_tier']['reason']})", ""]
    for r in sc["characters"]:
        L += [f"**{r['character']}: {_f(r['total'], 1)}/10**", ""]
        L += _table([W["dimension"], W["score"], W["weight"], W["detail"]],
                    [[i18n.DIMENSION[lang][d["key"]], _f(d["score"], 1), f"{d['weight']:.0%}", d["detail"]] for d in r["dimensions"]])
        L += [""]
    # 9 conflicts
    co = sec["conflicts"]
    L += [f"## 9. {S[8]}", ""]
    if co["items"]:
        L += _table([W["time"], W["speaker"], W["line"], W["face"], W["voice"], W["text"]],
                    [[f"{x['time']:.1f}s", x["character"], x["line"],
                      f"{i18n.EMOTION[lang].get(x['face']['emotion'], x['face']['emotion'])} ({_f(x['face']['confidence'])})",
                      f"v {_f(x['voice']['valence'])} / a {_f(x['voice']['arousal'])}",
                      f"{i18n.EMOTION[lang].get(x['text']['emotion'], x['text']['emotion'])} ({_f(x['text']['confidence'])})"]
                     for x in co["items"]])
        L += ["", f"{co['shown']}/{co['count']}"]
    else:
        L += [W["no_conflicts"]]
    # 10 summaries
    L += ["", f"## 10. {S[9]}", ""]
    for c, text in sec["summaries"][lang].items():
        L += [f"- {text}"]
    return "\n".join(L) + "\n"


def write_structured(report: dict, folder: str | Path) -> dict[str, Path]:
    """report.json, report.md (English) and report.zh.md (Traditional Chinese), atomically."""
    folder = Path(folder)
    return {
        "json": write_json(folder / "report.json", report),
        "md": write_text(folder / "report.md", render_markdown(report, "en")),
        "zh": write_text(folder / "report.zh.md", render_markdown(report, "zh")),
    }
