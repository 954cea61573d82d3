"""``reelmind report RUN``: write ``<RUN>/report/`` from the records a run published (dataset + cognition)."""

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
    run: Path = typer.Argument(..., help="run folder holding dataset.parquet and the cognition records"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output folder (default: RUN; files go to OUT/report/)"),
    no_html: bool = typer.Option(False, "--no-html", help="skip report.html"),
    film: str = typer.Option("", help="film title shown in the report"),
    llm_url: str = typer.Option("", help="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1): also write the 6-chapter LLM review"),
    llm_model: str = typer.Option("", help="model name sent to the endpoint"),
    llm_key_env: str = typer.Option("", help="name of the environment variable holding the endpoint's API key"),
) -> None:
    """Write report.md, report.zh.md, report.json and report.html for RUN."""
    from reelmind.core.llm import LLMOptions

    from .report import render_documents, write_documents
    from .report_inputs import load_run
    from .report_review import ReviewOptions
    from .report_structured import ReportOptions

    try:
        inputs = load_run(run)
        if film:
            inputs.film = film
        options = ReportOptions(html=not no_html, film=inputs.film, review=ReviewOptions(enabled=bool(llm_url)),
                                llm=LLMOptions(base_url=llm_url, model=llm_model, api_key_env=llm_key_env))
        docs = render_documents(inputs, options)
        paths = write_documents(docs, out or run)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for warning in docs.meta.get("degraded", []):
        typer.echo(f"warning: {warning}", err=True)
    for p in paths:
        typer.echo(str(p))


if __name__ == "__main__":  # pragma: no cover
    app()
