"""``reelmind eval RUN GROUND_TRUTH``: score a run folder against a ground-truth film."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from reelmind.core.errors import ReelmindError

app = typer.Typer(help="Evaluate a run against a ground-truth film.", add_completion=False)


@app.command("eval")
def eval_command(
    run: Path = typer.Argument(..., help="run folder with faces/utterances/dataset .parquet"),
    ground_truth: Path = typer.Argument(..., help="ground_truth.json (python -m reelmind.fuse.groundtruth OUT)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="also write metrics + per-line details here"),
    details: bool = typer.Option(False, "--details", help="print one line per ground-truth line"),
) -> None:
    """Report WER, speaker attribution, speaking-face accuracy, listener and conflict precision/recall."""
    from .evaluate import evaluate_run

    try:
        result = evaluate_run(run, ground_truth)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for key, value in result.metrics.items():
        typer.echo(f"{key:34s} {value}")
    typer.echo(f"{'speaker map':34s} {result.speaker_map}")
    typer.echo(f"{'person map':34s} {result.person_map}")
    if details:
        for d in result.lines:
            typer.echo(json.dumps(d, default=str))
    if json_out is not None:
        from reelmind.core.atomic import write_json

        write_json(json_out, {"metrics": result.metrics, "speaker_map": result.speaker_map,
                              "person_map": {str(k): v for k, v in result.person_map.items()}, "lines": result.lines})


if __name__ == "__main__":  # python -m reelmind.fuse.eval_cli RUN GROUND_TRUTH
    app()
