"""``reelmind name RUN NAMES``: name the person clusters of a run.

The names are merged into the run folder's names file (``RUN/names.yaml``), which is recorded as
``stages.persons.names`` in the run's ``settings.yaml``; every later ``reelmind run`` into RUN
reads it. Then ``persons`` and the stages downstream of it that this run folder already holds are
recomputed (faces, audio and the other upstream stages come from the cache), so dataset.parquet,
dataset.csv and the report carry the names at once (``--no-run``: only record them).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Faces (perceive.vision) tools.", no_args_is_help=True)

NAMES_FILE = "names.yaml"


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def recorded_names(run: Path, manifest: dict) -> dict[int, str]:
    """Names already given to this run: its names file, else the names file of the run's config."""
    from .identity import load_names

    own = run / NAMES_FILE
    if own.is_file():
        return load_names(own)
    configured = ((manifest.get("config") or {}).get("stages") or {}).get("persons", {}).get("names")
    if configured and Path(configured).is_file():
        return load_names(configured)
    return {}


def downstream(stage: str, stages: dict) -> set[str]:
    """``stage`` and every stage that (transitively) reads its outputs."""
    out, produced, changed = {stage}, set(stages[stage].outputs), True
    while changed:
        changed = False
        for name, st in stages.items():
            if name not in out and produced & (set(st.inputs) | set(st.optional_inputs)):
                out.add(name)
                produced |= set(st.outputs)
                changed = True
    return out


@app.command("name")
def name(
    run: Path = typer.Argument(..., help="run folder written by `reelmind run`"),
    names: Path = typer.Argument(..., help='YAML/JSON mapping of person numbers to names, e.g. {1: Scarlett, person_2: Rhett}'),
    rerun: bool = typer.Option(True, "--run/--no-run", help="recompute persons and what depends on it now"),
) -> None:
    """Give person clusters names: recorded in the run folder (kept by every later run) and applied."""
    from reelmind.core.errors import ReelmindError
    from reelmind.core.runstore import set_run_setting

    from .identity import load_names, write_names

    manifest_path = run / "manifest.json"
    if not manifest_path.is_file():
        _fail(f"{run} is not a reelmind run folder (no manifest.json); give the -o folder of `reelmind run`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        _fail(f"{manifest_path} is not valid JSON; rerun `reelmind run` into {run}")
    try:
        given = load_names(names)
        merged = {**recorded_names(run, manifest), **given}
        path = write_names(run / NAMES_FILE, merged)
        set_run_setting(run, "persons", "names", str(path.resolve()))
    except ReelmindError as exc:
        _fail(str(exc))
    shown = ", ".join(f"person_{k + 1} = {v}" for k, v in sorted(given.items()))
    typer.echo(f"recorded in {path}: {shown}")
    if not rerun:
        typer.echo(f"the next `reelmind run {manifest.get('film', 'FILM')} -o {run}` applies them")
        return
    _apply(run, manifest)


def _apply(run: Path, manifest: dict) -> None:
    """Recompute persons and the stages downstream of it that the run folder holds."""
    try:
        from reelmind.pipeline.orchestrate import run_pipeline
    except ImportError:
        _fail("rerunning needs the reelmind package (pip install reelmind); the names are recorded for the next run")
    from reelmind.core.config import RunConfig
    from reelmind.core.errors import ReelmindError
    from reelmind.core.stage import discover_stages

    found = discover_stages()
    if "persons" not in found:
        _fail("the persons stage is not installed (reinstall reelmind-perceive)")
    # the stages this run folder holds, nothing more: persons and those of them that depend on it
    ran = {n for n, r in (manifest.get("stages") or {}).items() if r.get("status") in ("computed", "cached")}
    stages = {n: st for n, st in found.items() if n in ran or n == "persons"}
    only = tuple(sorted(downstream("persons", stages)))
    try:
        cfg = RunConfig.from_dict(manifest.get("config") or {}, where=f"{run}/manifest.json config")
        reports = run_pipeline(manifest["film"], run, cfg, stages=stages, only=only)
    except ReelmindError as exc:
        _fail(str(exc))
    except KeyError:
        _fail(f"{run}/manifest.json names no film; rerun `reelmind run` into {run}")
    failed = [r for r in reports if r.status == "failed"]
    for r in reports:
        typer.echo(f"{r.name}: {r.status}{' — ' + r.message if r.message else ''}")
    if failed:
        raise typer.Exit(1)
