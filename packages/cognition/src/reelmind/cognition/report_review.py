"""Optional LLM film review in 6 chapters, rendered from the structured report only (off by default).

Each chapter gets a JSON excerpt of the structured report (its facts) and a system prompt that
forbids anything else; the answer passes the package's hallucination guard (names must be
characters or words of the facts; empty or rejected answers are retried, then reported). The
LLM decides nothing: every number in the review's facts comes from the zero-LLM report, and the
review is written to its own files, clearly marked as LLM text.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from reelmind.core.llm import LLMError, LLMOptions, make_client

from .reflection import GuardOptions, LLMSession, llm_render

log = logging.getLogger("reelmind.cognition.report_review")

CHAPTERS: tuple[tuple[str, str], ...] = (
    ("characters", "Characters"),
    ("era", "Era and production"),
    ("relationships", "Relationships"),
    ("arcs", "Emotion arcs"),
    ("scoring", "Performance"),
    ("script", "Script and dialogue"),
)
SYSTEM = ("You are a film critic writing one chapter of a review of the film '{film}': {chapter}. Use ONLY the facts in the "
          "user's JSON; do not add names, events, dates or numbers that are not there. Name characters exactly as written. "
          "Write {paragraphs} short paragraph(s) of literary prose in {language}.")


@dataclass(frozen=True)
class ReviewOptions:
    enabled: bool = False  # needs the run's LLM (``llm:``)
    guard: GuardOptions = field(default_factory=GuardOptions)
    language: str = "English"
    paragraphs: int = 2


def chapter_facts(report: dict, chapter: str) -> dict:
    """The part of the structured report a chapter may use."""
    s = report["sections"]
    ov = s["overview"]
    if chapter == "characters":
        return {"characters": s["emotion_stats"]["characters"], "ocean": [{"character": r["character"],
                **{k: {"value": t["value"], "evidence": t["evidence"]} for k, t in r["traits"].items()}} for r in s["ocean"]["characters"]]}
    if chapter == "era":
        return {"film": ov["film"], "duration_s": ov["duration_s"], "lines": ov["lines"], "scenes": ov["scenes"],
                "face_data_quality": ov["fer_tier"], "channel_weights": ov["channel_weights"]}
    if chapter == "relationships":
        so = s["social"]
        return {"circles": so["circles"], "relationship_memory": so["pairs"], "latest_migrations": so["migration_log"][-10:]}
    if chapter == "arcs":
        return {"arcs": {c: d["arc"] for c, d in s["timeline"]["characters"].items()},
                "transitions": [{k: r[k] for k in ("character", "counts", "sudden_ratio", "patterns", "hotspots")} for r in s["transitions"]["characters"]]}
    if chapter == "scoring":
        return {"fer_tier": s["scoring"]["fer_tier"]["tier"], "scores": [{"character": r["character"], "total": r["total"],
                "dimensions": {d["name"]: {"score": d["score"], "detail": d["detail"]} for d in r["dimensions"]}} for r in s["scoring"]["characters"]]}
    if chapter == "script":
        return {"conflicts": s["conflicts"]["items"][:10], "summaries": s["summaries"]["en"]}
    raise KeyError(chapter)


def film_review(report: dict, options: ReviewOptions, llm: LLMOptions, progress=None) -> tuple[dict, list[str]]:
    """The 6 chapters: ``{"chapters": [{key, title, text, source, guard}], ...}`` (text "" when the LLM failed),
    and what was degraded (an LLM that is configured but down)."""
    client = make_client(llm)
    if client is None:
        raise LLMError("film review needs an LLM", "set llm.base_url in the run config to an OpenAI-compatible endpoint")
    client = LLMSession(client)
    characters = list(report["sections"]["overview"]["shown_characters"])
    chapters = []
    for k, (key, title) in enumerate(CHAPTERS):
        if progress:
            progress(k / len(CHAPTERS), f"review: {title}")
        facts = json.dumps(chapter_facts(report, key), ensure_ascii=False, sort_keys=True)
        system = SYSTEM.format(film=report["film"], chapter=title, paragraphs=options.paragraphs, language=options.language)
        text, reports = llm_render(client, system, facts, characters, options.guard, f"review/{key}")
        chapters.append({"key": key, "title": title, "text": text, "source": "llm" if text else "missing", "guard": reports})
        if reports:
            log.warning("review chapter %s: %s", key, "; ".join(reports))
    return ({"film": report["film"], "model": llm.model, "chapters": chapters,
             "note": "LLM text rendered from the structured report's facts only"}, client.degraded())


def render_review_markdown(review: dict) -> str:
    lines = [f"# Film review: {review['film']}", "",
             f"> LLM text (model: {review['model'] or 'default'}), rendered from the structured report's facts only; "
             "it decides nothing. See report.md for the data.", ""]
    for k, ch in enumerate(review["chapters"], 1):
        lines += [f"## {k}. {ch['title']}", ""]
        lines += [ch["text"] if ch["text"] else f"_Not rendered: {'; '.join(ch['guard']) or 'no answer'}_", ""]
    return "\n".join(lines)
