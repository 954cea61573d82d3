"""``reelmind faces``: name person clusters in a faces table without re-running anything upstream."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Faces (perceive.vision) tools.", no_args_is_help=True)


@app.command("name")
def name(
    faces: Path = typer.Argument(..., help="faces Parquet written by the faces stage"),
    names: Path = typer.Argument(..., help='JSON/YAML mapping, e.g. {"1": "Scarlett", "person_2": "Rhett"}'),
    out: Path = typer.Option(None, "-o", "--out", help="output Parquet (default: overwrite FACES)"),
    csv: Path = typer.Option(None, "--csv", help="also write the seed CSV (person, emotion, file, confidence)"),
) -> None:
    """Give person clusters names; writes the relabelled faces table (and CSV)."""
    from reelmind.core.errors import ReelmindError
    from reelmind.core.records import FaceTable

    from reelmind.core.csv_export import faces_csv
    from .identity import load_names, rename_persons

    try:
        table = FaceTable.read_parquet(faces)
        named = rename_persons(table, load_names(names))
        named.to_parquet(out or faces)
        if csv is not None:
            faces_csv(named, csv)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    persons = sorted({p for p in named.person if p})
    typer.echo(f"{len(named)} faces, persons: {', '.join(persons)}")
