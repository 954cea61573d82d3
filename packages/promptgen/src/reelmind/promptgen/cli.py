"""``reelmind prompts RUN_DIR [--screenplay FILE] [--tier full|pipeline|minimal]``: (re)build the video
prompts of a finished run from its published records, with the run's own ``stages.prompts`` options
as the base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from reelmind.core.errors import ReelmindError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help="video prompts from a run folder")

#: the records the stage reads, as published at the top of a run folder
RECORDS = ("dataset", "moments", "transitions", "scenes", "personality", "social", "faces", "persons", "utterances")


def load_run(run_dir: Path) -> tuple[dict, list[str], dict]:
    """(inputs, notes about absent records, the run's prompts options) of a run folder."""
    from .stage import INPUTS, OPTIONAL

    kinds = {**INPUTS, **OPTIONAL}
    if not run_dir.is_dir():
        raise ReelmindError(f"run folder {run_dir} does not exist", "give the -o/--out folder of `reelmind run`")
    inputs: dict = {}
    notes: list[str] = []
    for name in RECORDS:
        path = run_dir / f"{name}.parquet"
        if path.is_file():
            inputs[name] = kinds[name].read_parquet(path)
        elif name == "dataset":
            raise ReelmindError(f"{run_dir} has no dataset.parquet", f"run `reelmind run FILM -o {run_dir}` first")
        elif name in INPUTS:
            notes.append(f"{run_dir} has no {name}.parquet: prompts are built without it")
    manifest, base = {}, {}
    mpath = run_dir / "manifest.json"
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except ValueError:
            notes.append(f"{mpath} is not valid JSON: the film and its options are unknown")
    film = manifest.get("film")
    if film and Path(film).is_file():
        inputs["video"] = Path(film)
    elif film:
        notes.append(f"the film {film} is no longer there: no reference crops")
    base = dict(((manifest.get("config") or {}).get("stages") or {}).get("prompts") or {})
    return inputs, notes, base


@app.command()
def prompts(
    run_dir: Path = typer.Argument(..., help="run folder written by `reelmind run`"),
    screenplay: Optional[Path] = typer.Option(None, "--screenplay", "-s", help="the film's screenplay: Fountain, plain text, PDF or a scanned page"),
    tier: Optional[str] = typer.Option(None, "--tier", help="full | pipeline | minimal (the tier of prompts.jsonl and the HTML view)"),
    knowledge_base: Optional[Path] = typer.Option(None, "--knowledge-base", "-k", help="YAML: character name -> description"),
    language: Optional[str] = typer.Option(None, "--language", help="cue language: en | zh"),
) -> None:
    """Build the video prompts of RUN_DIR: keyframes, six traced dimensions, tiers, reference crops."""
    from .stage import STAGE

    try:
        inputs, notes, base = load_run(run_dir)
        values = dict(base)
        for key, val in (("screenplay", screenplay), ("tier", tier), ("knowledge_base", knowledge_base), ("language", language)):
            if val is not None:
                values[key] = str(val)
        options = STAGE.make_options(values)
        for n in notes:
            typer.echo(f"warning: {n}", err=True)
        out = STAGE.run(inputs, options)
        table = out["prompts"]
        table.to_parquet(run_dir / "prompts.parquet")
        paths = STAGE.publish(out, options, run_dir)
    except ReelmindError as exc:
        typer.echo(f"reelmind prompts: error: {exc}", err=True)
        raise typer.Exit(2) from None
    meta = table.meta
    for d in meta.get("degraded", []):
        typer.echo(f"warning: {d}", err=True)
    kf = meta.get("keyframes", {})
    typer.echo(f"{kf.get('keyframes', 0)} keyframes from {kf.get('lines', 0)} lines in {kf.get('chapters', 0)} chapters")
    sp = meta.get("screenplay")
    if sp:
        typer.echo(f"screenplay {sp['source']}: {sp['matched']}/{sp['lines']} lines matched "
                   f"(hit rate {100 * sp['hit_rate']:.1f} %), {len(sp['misattributed'])} rejected for a contradicting speaker"
                   + (f", {sp['too_short']} too short to match" if sp.get("too_short") else ""))
    ab = meta.get("ablation", {})
    typer.echo("mean prompt length: " + ", ".join(f"{t} {ab[t]['mean_length']:.0f}" for t in ab))
    typer.echo(f"wrote {run_dir / 'prompts.parquet'} and {len(paths)} files under {run_dir / 'prompts'}")
