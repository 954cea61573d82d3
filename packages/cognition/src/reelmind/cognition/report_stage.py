"""The "report" stage: dataset + analysis folder -> report folder (Markdown, JSON, HTML)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelmind.core.stage import Stage, StageContext

from .report_review import ReviewOptions
from .report_structured import ReportOptions

log = logging.getLogger("reelmind.cognition.report_stage")


@dataclass(frozen=True)
class ReportStageOptions:
    report: ReportOptions = field(default_factory=ReportOptions)
    html: bool = True
    film: str = ""  # title shown in the report; default: the dataset's film / video name
    review: ReviewOptions = field(default_factory=ReviewOptions)  # optional 6-chapter LLM review (off)


def write_report(dataset, analysis_dir: str | Path | None, out_dir: str | Path,
                 options: ReportStageOptions = ReportStageOptions(), progress=None) -> Path:
    """Build and write report.json, report.md, report.zh.md (+ report.html, + review.md/json) into ``out_dir``."""
    from .report_html import write_html
    from .report_inputs import ReportInputs, load_analysis_pieces
    from .report_structured import build_report, write_structured

    inputs = load_analysis_pieces(analysis_dir, ReportInputs(dataset=dataset, film=options.film))
    report = build_report(inputs, options.report, progress=progress)
    out = Path(out_dir)
    write_structured(report, out)
    if options.html:
        write_html(report, out)
    if options.review.enabled:
        from .report_review import film_review, write_review

        write_review(film_review(report, options.review, progress), out)
    log.info("report: %d lines, %d characters -> %s (missing: %s)", len(dataset), report["sections"]["overview"]["characters"],
             out, ", ".join(report["missing"]) or "nothing")
    return out


def run(ctx: StageContext, inputs: dict[str, Any], options: ReportStageOptions) -> dict[str, Any]:
    out = write_report(inputs["dataset"], inputs.get("analysis"), Path(ctx.work_dir) / "report", options, ctx.progress)
    return {"report": out}


def check() -> list[str]:
    problems = []
    for mod, pip in (("numpy", "numpy"), ("pyarrow", "pyarrow")):
        try:
            __import__(mod)
        except ImportError:
            problems.append(f"{mod} is not installed — fix: pip install {pip}")
    return problems


STAGE = Stage(
    name="report",
    inputs=("dataset", "analysis"),
    outputs=("report",),
    options_type=ReportStageOptions,
    run=run,
    check=check,
    models=lambda options: [],
    description="OCEAN, Dunbar circles, influence, 6-dimension scoring -> structured report (md/json, en+zh) and HTML",
)
