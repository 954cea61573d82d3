"""The structured report: zero LLM, 100 % reproducible, 10 sections as JSON + Markdown (en / zh).

:func:`build_report` assembles the dataset and the records of the cognition stages (moments,
memory, personality, social, scores) into one JSON-able dict (floats rounded to 4 decimals, NaN as
null, every list in a fixed order); it computes nothing the stages decide, and a record that is
absent is named in ``missing`` and said in its section. The Markdown files, the HTML report and
the optional LLM review are rendered from that dict only. Same records and options give
byte-identical files (tested). Text from the data (names, lines) is escaped in Markdown
(:func:`md`) and HTML; suspicious character names are warned about (``warnings``).

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

from reelmind.core.emotion import face_label, fer_tier
from reelmind.core.llm import LLMOptions
from reelmind.core.provenance import versions
from reelmind.core.stage import options_dict

from . import report_i18n as i18n
from .ocean import TRAITS
from .report_inputs import ReportInputs, name_warnings
from .report_review import ReviewOptions
from .types import to_jsonable

CIRCLE_ORDER = ("intimate", "close", "friends", "acquaintance", "stranger")

log = logging.getLogger("reelmind.cognition.report_structured")

SCHEMA = "reelmind.report/2"
SECTION_KEYS = ("overview", "emotion_stats", "timeline", "transitions", "memory", "ocean", "social",
                "scoring", "conflicts", "summaries")


@dataclass(frozen=True)
class ReportOptions:
    """Options of the ``report`` stage."""

    film: str = ""  # title shown in the report; default: the dataset's film / video name
    html: bool = True
    max_characters: int = 12  # characters shown in tables and charts (by number of lines)
    max_conflicts: int = 50
    max_migrations: int = 20
    max_points: int = 2000  # timeline points per character kept for charts (evenly thinned)
    review: ReviewOptions = field(default_factory=ReviewOptions)  # optional 6-chapter LLM review (off)
    llm: LLMOptions = field(default_factory=LLMOptions)  # filled from the run's `llm:` section


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


def _film_name(inputs: ReportInputs, options: ReportOptions) -> str:
    if options.film or inputs.film:
        return options.film or inputs.film
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


def _timeline(inputs: ReportInputs, chars: list[str], options: ReportOptions) -> dict:
    from .tables import arcs_from

    mo = inputs.moments
    arcs = {a.character: a for a in arcs_from(inputs.arcs)} if inputs.arcs is not None else {}
    per, scenes = {}, []
    if mo is not None:
        for c in chars:
            i = np.flatnonzero(mo.character == c)
            keep = _thin(len(i), options.max_points)
            per[c] = {
                "points": [[float(mo.time[i][k]), float(mo.valence[i][k]), float(mo.arousal[i][k]),
                            float(mo.smoothed_valence[i][k]), str(mo.emotion[i][k])] for k in keep],
                "arc": to_jsonable(arcs[c]) if c in arcs else None,
            }
        for sc in np.unique(mo.scene):
            t = mo.time[mo.scene == sc]
            scenes.append({"scene": int(sc), "start": float(t.min()), "end": float(t.max()), "lines": int(len(t))})
    return {"characters": per, "scenes": scenes, "point_fields": ["time", "valence", "arousal", "smoothed_valence", "emotion"],
            "arcs_missing": inputs.missing.get("arcs", "")}


def _transitions(inputs: ReportInputs, chars: list[str]) -> dict:
    from .tables import consolidation_from, transitions_from

    transitions = transitions_from(inputs.transitions) if inputs.transitions is not None else []
    cons = ({c.character: c for c in consolidation_from(inputs.consolidation, inputs.hotspots)}
            if inputs.consolidation is not None else {})
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
    return {"source": "analysis" if inputs.transitions is not None else "missing", "characters": out,
            "transitions_missing": inputs.missing.get("transitions", ""),
            "consolidation_missing": inputs.missing.get("consolidation", "")}


def _memory(inputs: ReportInputs) -> dict:
    """Counts of the memory tiers (per tier, kind, character), promotions, archival at scene cuts."""
    mem, scenes = inputs.memories, inputs.scenes
    if mem is None:
        return {"stats": None, "missing": inputs.missing.get("memories", ""), "scene_boundaries": None}
    by_tier = Counter(str(t) for t in mem.tier)
    by_kind = Counter(str(k) for k in mem.kind)
    by_char: dict[str, Counter] = {}
    for c, t in zip(mem.character, mem.tier):
        by_char.setdefault(str(c), Counter())[str(t)] += 1
    bounds = max(len(scenes) - 1, 0) if scenes is not None else None
    stats = {"total": len(mem), "by_tier": dict(sorted(by_tier.items())), "by_kind": dict(sorted(by_kind.items())),
             "by_character": {c: dict(sorted(v.items())) for c, v in sorted(by_char.items())},
             "promoted": int(np.count_nonzero((mem.kind == "moment") & (mem.tier == "ltm"))),
             "preserved_high_arousal": int(scenes.preserved.sum()) if scenes is not None else None,
             "scene_boundaries": bounds, "backend": str(mem.meta.get("sink", ""))}
    return {"stats": stats, "missing": "", "scene_boundaries": bounds}


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
            "channels": ";".join(ds.conflict_channels[r]),
        })
    return {"count": int(len(idx)), "shown": len(items), "items": items}


def _social(inputs: ReportInputs, chars: list[str], options: ReportOptions) -> dict:
    """The social matrix of the most involved people, their circles, latest migrations, pair memories."""
    from .tables import pair_memories_from

    edges = inputs.social
    if edges is None:
        return {"nodes": 0, "n_links": 0, "migrations": 0, "matrix": {"names": [], "intimacy": [], "circle": []},
                "circles": {}, "migration_log": [], "pairs": [], "missing": inputs.missing.get("social", "")}
    nodes = [str(x) for x in edges.meta.get("nodes", [])] or sorted({*map(str, edges.source), *map(str, edges.target)})
    link = {(str(a), str(b)): (float(x), str(c).lower()) for a, b, x, c in zip(edges.source, edges.target, edges.intimacy, edges.circle)}
    memories = pair_memories_from(edges)
    involvement: Counter = Counter()
    for m in memories:
        n = m.positive + m.negative + m.neutral
        involvement[m.receiver] += n
        involvement[m.actor] += n
    top = [c for c in chars if c in nodes]
    for name, _ in sorted(involvement.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(top) >= options.max_characters:
            break
        if name not in top:
            top.append(name)
    order = {n: k for k, n in enumerate(nodes)}

    def circles_of(a: str) -> dict:
        out: dict[str, list] = {}
        for b in sorted((b for (x, b) in link if x == a), key=lambda b: (-link[a, b][0], order.get(b, 0))):
            x, circ = link[a, b]
            if circ == "stranger" and x <= 0:
                continue
            out.setdefault(circ, []).append([b, x])
        return {k: out[k] for k in CIRCLE_ORDER if k in out}

    migs = inputs.migrations
    log_rows = []
    if migs is not None:
        for i in range(max(0, len(migs) - options.max_migrations), len(migs)):
            log_rows.append({"time": round(float(migs.time[i]), 3), "source": str(migs.source[i]), "target": str(migs.target[i]),
                             "from": str(migs.from_circle[i]).lower(), "to": str(migs.to_circle[i]).lower(),
                             "intimacy": round(float(migs.intimacy[i]), 4), "trigger": str(migs.trigger[i])})
    return {
        "nodes": len(nodes), "n_links": len(nodes) * (len(nodes) - 1), "migrations": len(migs) if migs is not None else 0,
        "matrix": {"names": top, "intimacy": [[link.get((a, b), (0.0, ""))[0] for b in top] for a in top],
                   "circle": [["" if a == b else link.get((a, b), (0.0, "stranger"))[1] for b in top] for a in top]},
        "circles": {c: circles_of(c) for c in top},
        "migration_log": log_rows,
        "pairs": [{"receiver": m.receiver, "actor": m.actor, "positive": m.positive, "negative": m.negative,
                   "neutral": m.neutral, "impact": m.impact, "events": m.events} for m in memories
                  if m.receiver in top and m.actor in top],
        "missing": "",
    }


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


def _evolutions(inputs: ReportInputs, chars: list[str]) -> dict[str, dict[str, str]]:
    """The memory stage's 5-section evolution narrative per shown character (empty when it did not run)."""
    refl = inputs.reflections
    if refl is None:
        return {}
    out: dict[str, dict[str, str]] = {}
    for c, kind, sec, text in zip(refl.character, refl.kind, refl.section, refl.text):
        if kind == "evolution" and str(c) in chars:
            out.setdefault(str(c), {})[str(sec)] = str(text)
    return {c: out[c] for c in chars if c in out}


def _fer_tier(inputs: ReportInputs) -> dict:
    """The film's FER tier: as the scores stage measured it, else the core rule on the dataset."""
    if inputs.scores is not None and inputs.scores.meta.get("fer_tier"):
        return dict(inputs.scores.meta["fer_tier"])
    return fer_tier(inputs.dataset.face_emotion, inputs.dataset.face_confidence).to_dict()


# ----------------------------------------------------------------------------- build
def build_report(inputs: ReportInputs, options: ReportOptions = ReportOptions(),
                 progress: Callable[[float, str], None] | None = None) -> dict:
    """The whole structured report as a JSON-able dict (deterministic)."""
    from .personality import personalities_from
    from .scores import scores_from

    prog = progress or (lambda f, m: None)
    ds = inputs.dataset
    counts = Counter(str(c) for c in ds.character if c)
    all_chars = sorted(counts, key=lambda c: (-counts[c], c))
    chars = all_chars[: options.max_characters]
    prog(0.1, "sections")
    people = {p.character: p for p in personalities_from(inputs.personality)} if inputs.personality is not None else {}
    score_map = {s.character: s for s in scores_from(inputs.scores)} if inputs.scores is not None else {}
    vol_mean = {}
    for c in chars:
        v = inputs.trends.volatility[inputs.trends.character == c] if inputs.trends is not None else np.zeros(0)
        v = v[np.isfinite(v)]
        vol_mean[c] = float(np.mean(v)) if v.size else 0.0
    social = _social(inputs, chars, options)
    trans = _transitions(inputs, chars)
    timeline = _timeline(inputs, chars, options)
    arcs = {c: timeline["characters"].get(c, {}).get("arc") for c in chars}
    tr_by = {t["character"]: t for t in trans["characters"]}
    summaries: dict[str, dict[str, str]] = {lang: {} for lang in i18n.LANGS}
    for c in chars:
        nums = _summary_numbers(c, tr_by, arcs, {k: p.values() for k, p in people.items()}, social["circles"],
                                {k: v.total for k, v in score_map.items()}, vol_mean[c])
        for lang in i18n.LANGS:
            summaries[lang][c] = i18n.summary(lang, nums)
    prog(0.8, "overview")
    end = float(np.max(ds.end_time)) if len(ds) else 0.0
    start = float(np.min(ds.start_time)) if len(ds) else 0.0
    mo = inputs.moments
    tier = _fer_tier(inputs)
    sections = {
        "overview": {"film": _film_name(inputs, options), "lines": len(ds), "characters": len(all_chars), "shown_characters": chars,
                     "duration_s": end - start, "scenes": int(mo.scene.max()) + 1 if mo is not None and len(mo) else 0,
                     "fer_tier": tier,
                     "channel_weights": mo.meta.get("channel_weights") if mo is not None else None},
        "emotion_stats": _emotion_stats(ds, chars),
        "timeline": timeline,
        "transitions": trans,
        "memory": _memory(inputs),
        "ocean": {"source": "analysis" if people else "missing", "missing": inputs.missing.get("personality", ""),
                  "characters": [people[c].to_dict() for c in chars if c in people]},
        "social": social,
        "scoring": {"fer_tier": tier, "missing": inputs.missing.get("scores", ""),
                    "characters": [score_map[c].to_dict() for c in chars if c in score_map]},
        "conflicts": _conflicts(ds, options),
        "summaries": {**summaries, "evolution": _evolutions(inputs, chars)},
    }
    warnings = [*(f"input degraded: {d}" for d in ds.meta.get("degraded_inputs", []) or []), *name_warnings(ds)]
    prog(1.0, "report built")
    return _clean({"schema": SCHEMA, "film": _film_name(inputs, options), "missing": dict(sorted(inputs.missing.items())),
                   "warnings": warnings, "linked": _linked(inputs),
                   "meta": {"options": options_dict(options),
                            "versions": versions("reelmind-cognition", "reelmind-core", "numpy", "numba"), "models": []},
                   "sections": sections})


def _linked(inputs: ReportInputs) -> dict:
    """What other stages made for this film, with the page each published (paths relative to report/)."""
    ds = inputs.dataset
    out: dict[str, Any] = {}
    if inputs.prompts is not None:
        tiers = set(inputs.prompts.tier) if len(inputs.prompts) else set()
        per_tier = len(inputs.prompts) // max(1, len(tiers))
        out["prompts"] = {"keyframes": int(per_tier), "page": "../prompts/keyframes.html", "sheet": "../prompts/prompts.md"}
    if inputs.micro_events is not None:
        sup = [int(i) for i in np.flatnonzero(np.asarray(ds.suppression, dtype=bool))] if len(ds) else []
        out["microexpr"] = {"events": len(inputs.micro_events), "suppressed_lines": sup, "page": "../microexpr/index.html"}
    return out


# ----------------------------------------------------------------------------- markdown
_MD_SPECIAL = str.maketrans({"\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]",
                             "#": "\\#", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " "})


def md(text: Any) -> str:
    """Text from the data as inert Markdown: punctuation that formats is backslash-escaped, ``< > &``
    become entities (no raw HTML passes through), line breaks become spaces (a ``|`` never splits a cell)."""
    return str(text).translate(_MD_SPECIAL)


def _f(x: Any, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(md(h) for h in head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(md(_f(x)) for x in r) + " |")
    return out


def _emos(d: dict, lang: str) -> str:
    return ", ".join(f"{i18n.EMOTION[lang].get(k, k)} {v}" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))


def _tier(lang: str, tier: dict) -> str:
    return i18n.TIER[lang].get(tier["tier"], tier["tier"])


def render_markdown(report: dict, lang: str = "en") -> str:
    """Markdown in ``lang`` ("en" or "zh"), from the report dict only (data text escaped with :func:`md`)."""
    W, S = i18n.WORDS[lang], i18n.SECTIONS[lang]
    sec = report["sections"]
    ov = sec["overview"]
    L: list[str] = [f"# {W['title']}: {md(report['film'])}", "", f"_{W['generated']}_", ""]
    if report["warnings"]:
        L += [f"**{W['warnings']}:**", ""] + [f"- {md(w)}" for w in report["warnings"]] + [""]
    # 1 overview
    L += [f"## 1. {S[0]}", ""]
    cw = ov["channel_weights"]
    tier = ov["fer_tier"]
    L += _table([W["value"], ""], [
        [W["film"], ov["film"]], [W["lines"], ov["lines"]], [W["characters"], ov["characters"]],
        [W["duration"], f"{ov['duration_s']:.1f} s"], [W["scene_boundaries"], ov["scenes"]],
        [W["fer_tier"], f"{_tier(lang, tier)} ({tier['reason']})"],
        [W["channel_weights"], f"{W['text']} {cw['text']:.0%}, {W['face']} {cw['face']:.0%}, {W['voice']} {cw['voice']:.0%} ({cw['rule']})"
         if cw else W["not_available"]],
    ])
    L += ["", f"**{W['missing']}:** " + (md("; ".join(f"{k} ({v})" for k, v in report["missing"].items())) or W["none"]), ""]
    linked = report.get("linked") or {}
    if "prompts" in linked:
        L += [f"- video prompts: {linked['prompts']['keyframes']} keyframes ({linked['prompts']['page']})"]
    if "microexpr" in linked:
        m = linked["microexpr"]
        L += [f"- micro-expressions: {m['events']} events, suppression on {len(m['suppressed_lines'])} line(s) ({m['page']})"]
    if linked:
        L += [""]
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
        L += [f"_{W['missing']}: arcs ({md(tl['arcs_missing'])})_", ""]
    rows = []
    for c, d in tl["characters"].items():
        a = d["arc"]
        tps = ", ".join(f"{i18n.WORDS[lang]['time']} {tp['time']:.1f}s {tp['kind']} {tp['valence']:+.2f}" for tp in a["turning_points"]) if a else ""
        rows.append([c, len(d["points"]), i18n.ARC[lang].get(a["arc_class"], a["arc_class"]) if a else W["not_available"],
                     a["rule"] if a else "", tps])
    L += _table([W["character"], W["lines"], W["arc"], W["rule"], W["turning_points"]], rows)
    # 4 transitions
    tr = sec["transitions"]
    L += ["", f"## 4. {S[3]}", ""]
    if tr["transitions_missing"]:
        L += [f"_{W['missing']}: transitions ({md(tr['transitions_missing'])})_", ""]
    L += _table([W["character"], W["transitions"]] + [i18n.TRANSITION[lang][k] for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")]
                + [W["sudden_ratio"], W["mean_surprise"], W["top_pattern"], W["hotspots"]],
                [[r["character"], r["transitions"]] + [r["counts"][k] for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")]
                 + [f"{r['sudden_ratio']:.1%}", r["mean_surprise"],
                    f"{r['patterns'][0]['pattern']} ({r['patterns'][0]['count']})" if r["patterns"] else "",
                    len(r["hotspots"])] for r in tr["characters"]])
    if tr["consolidation_missing"]:
        L += ["", f"_{W['missing']}: consolidation ({md(tr['consolidation_missing'])})_"]
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
        L += [f"_{W['missing']}: memory statistics ({md(mem['missing'])})_"]
    # 6 OCEAN
    oc = sec["ocean"]
    L += ["", f"## 6. {S[5]}", ""]
    if oc["missing"]:
        L += [f"_{W['missing']}: personality ({md(oc['missing'])})_", ""]
    L += _table([W["character"]] + [f"{k} {i18n.TRAIT[lang][k]}" for k in TRAITS],
                [[r["character"]] + [r["traits"][k]["value"] for k in TRAITS] for r in oc["characters"]])
    L += [""]
    for r in oc["characters"]:
        L += [f"**{md(r['character'])}**", ""]
        L += [f"- {k} {i18n.TRAIT[lang][k]} {r['traits'][k]['value']:.2f}: {md(r['traits'][k]['evidence'])}" for k in TRAITS]
        L += [""]
    # 7 social
    so = sec["social"]
    L += [f"## 7. {S[6]}", ""]
    if so["missing"]:
        L += [f"_{W['missing']}: social ({md(so['missing'])})_", ""]
    L += [f"{so['nodes']} {W['nodes']}, {so['n_links']} {W['links']}, {so['migrations']} {W['migrations']}", ""]
    names = so["matrix"]["names"]
    if names:
        L += _table(["→"] + names, [[a] + [("" if i == j else f"{so['matrix']['intimacy'][i][j]:.2f} {i18n.CIRCLE[lang].get(so['matrix']['circle'][i][j], '')}")
                                          for j in range(len(names))] for i, a in enumerate(names)])
        L += [""]
    for c, circ in so["circles"].items():
        parts = [f"{i18n.CIRCLE[lang][k]}: " + ", ".join(f"{md(n)} ({x:.2f})" for n, x in v) for k, v in circ.items()]
        L += [f"- **{md(c)}**: " + ("; ".join(parts) or W["none"])]
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
    L += ["", f"## 8. {S[7]}", "", f"{W['fer_tier']}: **{_tier(lang, sc['fer_tier'])}** ({md(sc['fer_tier']['reason'])})", ""]
    if sc["missing"]:
        L += [f"_{W['missing']}: scores ({md(sc['missing'])})_", ""]
    for r in sc["characters"]:
        L += [f"**{md(r['character'])}: {_f(r['total'], 1)}/10**", ""]
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
        L += [f"- {md(text)}"]
    if sec["summaries"]["evolution"]:
        L += ["", f"**{W['evolution']}**", ""]
        for c, parts in sec["summaries"]["evolution"].items():
            L += [f"- **{md(c)}**: " + " ".join(md(parts[k]) for k in parts)]
    return "\n".join(L) + "\n"
