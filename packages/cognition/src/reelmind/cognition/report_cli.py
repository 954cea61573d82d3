"""``reelmind report RUN``: write ``<RUN>/report/`` from ``<RUN>/dataset.parquet`` and ``<RUN>/analysis/``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer

from reelmind.core import ReelmindError

log = logging.getLogger("reelmind.cognition.report_cli")

app = typer.Typer(add_completion=False, help="Structured + HTML report of a run.")


@app.command()
def report(
    run: Path = typer.Argument(..., help="run folder holding dataset.parquet and analysis/"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output folder (default: RUN/report)"),
    no_html: bool = typer.Option(False, "--no-html", help="skip report.html"),
    film: str = typer.Option("", help="film title shown in the report"),
    llm_url: str = typer.Option("", help="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1): also write the 6-chapter LLM review"),
    llm_model: str = typer.Option("", help="model name sent to the endpoint"),
) -> None:
    """Write report.md, report.zh.md, report.json and report.html for RUN."""
    from reelmind.core.llm import LLMOptions
    from .report_inputs import load_run
    from .report_review import ReviewOptions
    from .report_stage import ReportStageOptions, write_report

    try:
        inputs = load_run(run)
        review = ReviewOptions(enabled=bool(llm_url), llm=LLMOptions(base_url=llm_url, model=llm_model))
        options = ReportStageOptions(html=not no_html, film=film or inputs.film, review=review)
        folder = write_report(inputs.dataset, run / "analysis", out or run / "report", options)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    names = ("report.md", "report.zh.md", "report.json") + (() if no_html else ("report.html",)) + (("review.md",) if llm_url else ())
    for name in names:
        typer.echo(str(folder / name))


if __name__ == "__main__":  # pragma: no cover
    app()
