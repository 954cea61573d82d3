"""The ``report`` stage: the dataset and the cognition records -> report.json, report.md, report.zh.md,
report.html (and the optional LLM review), returned as a DocumentTable; publish writes ``OUT/report/``.

It assembles records only (never files of other stages); every analysis record is an optional
input, and a skipped stage is said in the report. Character names that are empty or collide with
another cluster's label are warned about in the report and in ``meta["degraded"]``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.provenance import provenance
from reelmind.core.records import DocumentTable
from reelmind.core.stage import RunContext, Stage

from .report_inputs import LINKED, RECORDS, ReportInputs
from .report_structured import ReportOptions, build_report, render_markdown

log = logging.getLogger("reelmind.cognition.report")

FOLDER = "report"


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n").encode("utf-8")


def render_documents(inputs: ReportInputs, options: ReportOptions = ReportOptions(),
                     progress: Callable[[float, str], None] | None = None) -> DocumentTable:
    """Every report file of one film as a DocumentTable (names relative to the run folder)."""
    report = build_report(inputs, options, progress)
    docs = [(f"{FOLDER}/report.json", _json(report), "application/json"),
            (f"{FOLDER}/report.md", render_markdown(report, "en").encode("utf-8"), "text/markdown"),
            (f"{FOLDER}/report.zh.md", render_markdown(report, "zh").encode("utf-8"), "text/markdown")]
    if options.html:
        from .report_html import render_html

        docs.append((f"{FOLDER}/report.html", render_html(report).encode("utf-8"), "text/html"))
    degraded = list(report["warnings"])
    if options.review.enabled:
        from .report_review import film_review, render_review_markdown

        review, down = film_review(report, options.review, options.llm, progress)
        degraded += down
        docs += [(f"{FOLDER}/review.json", _json(review), "application/json"),
                 (f"{FOLDER}/review.md", render_review_markdown(review).encode("utf-8"), "text/markdown")]
    meta = provenance("report", options, missing=report["missing"], warnings=report["warnings"])
    if degraded:
        meta["degraded"] = degraded
    log.info("report: %d lines, %d characters (missing: %s)", len(inputs.dataset), report["sections"]["overview"]["characters"],
             ", ".join(report["missing"]) or "nothing")
    c = list(zip(*docs))
    return DocumentTable(name=np.asarray(c[0], dtype=object), data=list(c[1]), media_type=np.asarray(c[2], dtype=object), meta=meta)


def write_documents(docs: DocumentTable, out: str | Path) -> list[Path]:
    """Write each document at ``out/<name>`` (atomically)."""
    from reelmind.core.atomic import write_bytes

    return [write_bytes(Path(out) / name, data) for name, data in zip(docs.name, docs.data)]


# ----------------------------------------------------------------------------- stage
def setup(options: ReportOptions, profile: Any):
    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        return {"report": render_documents(ReportInputs.from_records(inputs, film=options.film), options, ctx.progress)}

    return runner


def publish(outputs: dict[str, Any], options: ReportOptions, out: Path) -> list[Path]:
    """``OUT/report/``: report.md, report.zh.md, report.json, report.html (+ review.md/json)."""
    return write_documents(outputs["report"], out)


STAGE = Stage(
    name="report",
    inputs=("dataset",),
    optional_inputs=(*RECORDS, *LINKED),
    outputs=("report",),
    options_type=ReportOptions,
    setup=setup,
    publish=publish,
    description="structured report from the records (10 sections, md/json in English and Chinese, self-contained "
                "HTML with charts), optional guarded LLM film review",
)
