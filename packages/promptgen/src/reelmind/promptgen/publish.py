"""Human-facing files of the prompt frames, under ``prompts/`` of the run folder: prompts.jsonl (the
chosen tier, one keyframe a line), prompts.md (one section per keyframe with its trace, and the
ablation tiers side by side), refs/*.png (I2V reference crops) and keyframes.html (crop, line, six
dimensions). Byte-identical for identical prompt frames."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from reelmind.core.atomic import write_bytes, write_text
from reelmind.core.records import PROMPT_DIMENSIONS, PROMPT_TIERS, PromptFrameTable

DIMENSION_TITLES = {"anchor": "Anchor", "expression": "Expression", "body": "Body language", "atmosphere": "Atmosphere",
                    "composition": "Composition", "camera": "Camera", "dialogue_action": "Dialogue action"}


def _rows(table: PromptFrameTable, tier: str) -> list[int]:
    return [i for i in range(len(table)) if table.tier[i] == tier]


def _num(x: float) -> float | None:
    return None if not math.isfinite(float(x)) else round(float(x), 3)


def _tiers_by_keyframe(table: PromptFrameTable) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for i in range(len(table)):
        out.setdefault(int(table.keyframe[i]), {})[str(table.tier[i])] = str(table.positive[i])
    return out


def jsonl(table: PromptFrameTable, tier: str) -> str:
    tiers = _tiers_by_keyframe(table)
    lines = []
    for i in _rows(table, tier):
        k = int(table.keyframe[i])
        rec = {
            "keyframe": k, "film": table.film[i], "chapter": int(table.chapter[i]), "start": _num(table.start[i]),
            "end": _num(table.end[i]), "character": table.character[i], "person_id": int(table.person_id[i]),
            "score": _num(table.score[i]), "rules": list(table.rules[i]), "emotion": table.emotion[i],
            "dialogue": table.dialogue[i], "tier": tier, "positive": table.positive[i], "negative": table.negative[i],
            "dimensions": {d: getattr(table, d)[i] for d in ("anchor", *PROMPT_DIMENSIONS)},
            "trace": [{"phrase": p, "dimension": d, "rule": r, "source": s} for p, d, r, s in
                      zip(table.trace_phrase[i], table.trace_dimension[i], table.trace_rule[i], table.trace_source[i])],
            "tiers": {t: {"positive": tiers[k].get(t, ""), "length": len(tiers[k].get(t, ""))} for t in PROMPT_TIERS},
            "i2v": {"image": table.ref_image[i], "time": _num(table.ref_time[i])},
            "a2v": {"start": _num(table.audio_start[i]), "end": _num(table.audio_end[i]), "source": table.audio_source[i]},
            "screenplay": {"scene": int(table.screenplay_scene[i]), "line": int(table.screenplay_line[i]),
                           "score": _num(table.match_score[i])},
        }
        lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(table: PromptFrameTable, tier: str) -> str:
    meta = table.meta or {}
    out = [f"# Video prompts — {table.film[0] if len(table) else ''}", ""]
    sp = meta.get("screenplay")
    if sp:
        out += [f"Screenplay {sp.get('source')} ({sp.get('format')}, {sp.get('scenes')} scenes, {sp.get('speeches')} "
                f"speeches): matched {sp.get('matched')} of {sp.get('lines')} film lines (hit rate "
                f"{100 * float(sp.get('hit_rate', 0)):.1f} %; {sp.get('too_short', 0)} line(s) too short to match left out); "
                f"{len(sp.get('misattributed', []))} match(es) rejected because the screenplay's speaker contradicts the film.", ""]
    else:
        out += ["No screenplay: prompts rest on pipeline data alone.", ""]
    for d in meta.get("degraded", []) or []:
        out += [f"> degraded: {d}", ""]
    ab = meta.get("ablation", {})
    out += ["## Ablation tiers", "", "| tier | mean length (characters) | prompts |", "| --- | ---: | ---: |"]
    out += [f"| {t} | {ab.get(t, {}).get('mean_length', 0)} | {ab.get(t, {}).get('prompts', 0)} |" for t in PROMPT_TIERS]
    out.append("")
    tiers = _tiers_by_keyframe(table)
    for i in _rows(table, tier):
        k = int(table.keyframe[i])
        out += [f"## Keyframe {k}: {table.character[i]}, {table.start[i]:.2f}–{table.end[i]:.2f} s "
                f"(chapter {int(table.chapter[i])}, score {float(table.score[i]):.2f})", ""]
        out += [f"> {table.dialogue[i]}", ""]
        if table.ref_image[i]:
            rel = str(table.ref_image[i]).removeprefix("prompts/")
            out += [f"![reference crop of {table.character[i]} at {float(table.ref_time[i]):.2f} s]({rel})", ""]
        out += ["Keyframe rules: " + "; ".join(table.rules[i]), "", f"**{tier} prompt**", "", "```text",
                table.positive[i], "```", "", f"Negative: {table.negative[i]}", ""]
        out += ["| phrase | dimension | rule | source |", "| --- | --- | --- | --- |"]
        out += [f"| {_cell(p)} | {d} | {_cell(r)} | {_cell(s)} |" for p, d, r, s in
                zip(table.trace_phrase[i], table.trace_dimension[i], table.trace_rule[i], table.trace_source[i])]
        out += ["", "| tier | length | prompt |", "| --- | ---: | --- |"]
        out += [f"| {t} | {len(tiers[k].get(t, ''))} | {_cell(tiers[k].get(t, ''))} |" for t in PROMPT_TIERS]
        a2v = f"A2V audio: {float(table.audio_start[i]):.2f}–{float(table.audio_end[i]):.2f} s ({table.audio_source[i]})"
        if int(table.screenplay_scene[i]) >= 0:
            a2v += (f"; screenplay scene {int(table.screenplay_scene[i])} line {int(table.screenplay_line[i])} "
                    f"(match {float(table.match_score[i]):.2f})")
        out += ["", a2v, ""]
    return "\n".join(out)


def keyframes_html(table: PromptFrameTable, tier: str) -> str:
    e = html.escape
    cards = []
    for i in _rows(table, tier):
        img = str(table.ref_image[i]).removeprefix("prompts/")
        pic = (f'<img src="{e(img)}" alt="reference crop of {e(table.character[i])}">' if img
               else '<div class="noimg">no reference face</div>')
        dims = "".join(f"<tr><th>{e(DIMENSION_TITLES[d])}</th><td>{e(getattr(table, d)[i])}</td></tr>"
                       for d in ("anchor", *PROMPT_DIMENSIONS))
        cards.append(
            f'<section class="kf" id="kf{int(table.keyframe[i])}">{pic}<div><h2>Keyframe {int(table.keyframe[i])}: '
            f'{e(table.character[i])} <small>{float(table.start[i]):.2f}–{float(table.end[i]):.2f} s · chapter '
            f'{int(table.chapter[i])} · score {float(table.score[i]):.2f}</small></h2>'
            f'<blockquote>{e(table.dialogue[i])}</blockquote><table>{dims}</table>'
            f'<details><summary>{e(tier)} prompt</summary><p>{e(table.positive[i])}</p></details></div></section>')
    style = ("body{font-family:sans-serif;margin:2em;max-width:70em}.kf{display:flex;gap:1.5em;border-top:1px solid #ccc;"
             "padding:1em 0}.kf img,.noimg{width:12em;height:auto;flex:none}.noimg{background:#eee;padding:3em 1em;"
             "text-align:center}th{text-align:left;vertical-align:top;padding-right:1em;white-space:nowrap}"
             "blockquote{font-style:italic}small{color:#666;font-weight:normal}")
    title = f"Keyframes — {e(str(table.film[0]))}" if len(table) else "Keyframes"
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{style}</style></head><body><h1>{title}</h1>\n" + "\n".join(cards) + "\n</body></html>\n")


def publish_prompts(table: PromptFrameTable, tier: str, out_dir: str | Path) -> list[Path]:
    """Write the files under ``out_dir/prompts``; returns their paths."""
    base = Path(out_dir) / "prompts"
    paths = []
    written: set[str] = set()
    for i in range(len(table)):
        rel = str(table.ref_image[i])
        if rel and rel not in written and table.ref_png[i]:
            paths.append(write_bytes(Path(out_dir) / rel, table.ref_png[i]))
            written.add(rel)
    paths.append(write_text(base / "prompts.jsonl", jsonl(table, tier)))
    paths.append(write_text(base / "prompts.md", markdown(table, tier)))
    paths.append(write_text(base / "keyframes.html", keyframes_html(table, tier)))
    return paths
