"""``reelmind microexpr ...``: train a recogniser (LOSO), write a synthetic data set."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)
micro = typer.Typer(help="Micro-expressions: train a recogniser, make a SYNTHETIC demo data set.", no_args_is_help=True)
app.add_typer(micro, name="microexpr")


@micro.command("train")
def train_cmd(
    dataset: Path = typer.Argument(..., help="data set folder (annotation sheet + frames)"),
    layout: str = typer.Option(..., "--layout", help="casme2 | samm | smic | mmew | 4dme"),
    out: Path = typer.Option(Path("microexpr-recogniser.onnx"), "-o", "--out", help="exported ONNX weights"),
    epochs: int = typer.Option(40, help="training epochs per fold"),
    flow: str = typer.Option("tvl1", help="flow backend of the features: tvl1 | dis | farneback"),
    classes: str = typer.Option("", help="comma-separated emotion classes to keep (default: all in the sheet)"),
    seed: int = typer.Option(0),
) -> None:
    """Leave-one-subject-out evaluation (UF1 / UAR pooled over folds), then export one model to ONNX."""
    from .train import TrainConfig, train

    keep = [c.strip() for c in classes.split(",") if c.strip()] or None
    report = train(dataset, layout, out, TrainConfig(epochs=epochs, flow=flow, seed=seed), keep, progress=typer.echo)
    tag = "  [SYNTHETIC data: these figures say nothing about real micro-expressions]" if report.synthetic else ""
    typer.echo(f"LOSO over {report.subjects} subjects, {report.samples} clips, {len(report.classes)} classes: "
               f"UF1 = {report.uf1:.4f}  UAR = {report.uar:.4f}{tag}")
    typer.echo(f"exported {report.onnx} (use it with stages.microexpr.recogniser or REELMIND_MICROEXPR_RECOGNISER)")


@micro.command("synth")
def synth_cmd(
    out: Path = typer.Argument(..., help="folder to write the SYNTHETIC CASME II-layout data set into"),
    subjects: int = typer.Option(6, help="subjects (one sample face each, at most 9)"),
    per_class: int = typer.Option(2, help="clips per subject and class"),
    seed: int = typer.Option(0),
) -> None:
    """Write a SYNTHETIC data set (landmark-driven AU warps of real photos) in the CASME II layout."""
    from .synth import casme2_dataset

    path = casme2_dataset(out, subjects=subjects, per_class=per_class, seed=seed)
    typer.echo(f"SYNTHETIC CASME II-layout data set written to {path}")
