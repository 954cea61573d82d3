"""``reelmind archive``, ``reelmind query`` and ``reelmind name`` (archive level)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False)

_STATE_COLOURS = {"done": "green", "failed": "red", "blocked": "red", "pending": "yellow", "skipped": "cyan"}


@app.command()
def archive(
    manifest: Optional[Path] = typer.Argument(None, help="CSV/Parquet (path, title, year, language, screenplay) or a list of film paths"),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="archive store (a local or shared-filesystem folder)"),
    status: Optional[Path] = typer.Option(None, "--status", help="show per film and stage what is done, failed, pending"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="YAML run config, as for `reelmind run`"),
    profile: Optional[str] = typer.Option(None, "--profile", help="GPU-tier profile (cpu-2core, a40-48gb, ...) or auto"),
    skip: Optional[str] = typer.Option(None, "--skip", help="comma-separated stages to skip"),
    address: Optional[str] = typer.Option(None, "--address", help="join this Ray cluster (default: start Ray locally)"),
    num_cpus: Optional[int] = typer.Option(None, "--num-cpus", help="CPUs of the local Ray (default: all of this machine's)"),
    max_attempts: int = typer.Option(3, "--max-attempts", help="worker deaths on one film and stage before it is failed"),
) -> None:
    """Run the stages of `reelmind run` over every film of MANIFEST on Ray Data into the store -o;
    rerun to resume (only unfinished film/stage pairs compute)."""
    from rich.console import Console

    console = Console(stderr=True)
    if status is not None:
        _print_status(status)
        return
    if manifest is None or out is None:
        raise typer.BadParameter("give MANIFEST and -o STORE (or --status STORE)")
    from reelmind.core.config import RunConfig

    from .driver import run_archive
    from .identities import build_identities
    from .store import ArchiveStore
    from .summary import build_summary

    cfg = RunConfig.from_yaml(config) if config else RunConfig()
    if profile:
        cfg.profile = profile
    if skip:
        cfg.skip = [*cfg.skip, *[s.strip() for s in skip.split(",") if s.strip()]]

    def on_film(row: dict) -> None:
        states = json.loads(row.get("stages") or "{}")
        bad = row.get("error") or ", ".join(f"{k} {v}" for k, v in states.items() if v in ("failed", "missing"))
        mark = "[red]failed[/]" if bad else "[green]done[/]"
        console.print(f"{mark} {row['film_id']}" + (f" — {bad}" if bad else ""))

    result = run_archive(manifest, out, cfg, address=address, num_cpus=num_cpus, max_attempts=max_attempts,
                         on_film=on_film)
    store = ArchiveStore(out, create=False)
    persons = build_identities(store)
    page = build_summary(store)
    console.print(f"{result.films} films: {result.done} done, {result.failed} failed; {result.computed} film-stage "
                  f"results computed, {result.cached} from the store; {len(set(persons.archive_id))} archive persons; "
                  f"{result.seconds:.0f} s; summary: {page}")
    if result.failed:
        raise typer.Exit(1)


def _print_status(store: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from .store import ArchiveStore

    archive = ArchiveStore(store, create=False)
    stages = list(archive.info().get("stages", []))
    rows = list(archive.status(stages))
    names = list(dict.fromkeys([*stages, *(s for r in rows for s in r.stages)]))
    table = Table(title=f"reelmind archive {archive.root}")
    for col in ("film", "state", *names, "reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        cells = [f"[{_STATE_COLOURS.get(r.stages.get(n, 'pending'), 'white')}]{r.stages.get(n, 'pending')}[/]" for n in names]
        table.add_row(r.film_id, f"[{_STATE_COLOURS[r.state]}]{r.state}[/]", *cells, r.reason)
    Console().print(table)
    counts = {s: sum(r.state == s for r in rows) for s in ("done", "failed", "pending")}
    Console().print(f"{len(rows)} films: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending")


@app.command()
def query(
    store: Path = typer.Argument(..., help="archive store (the -o folder of `reelmind archive`)"),
    sql: str = typer.Argument(..., help='SQL over the views dataset, faces, persons, utterances, voices, scores, films, '
                                        'stages, archive_persons, ... (each with a film column)'),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
) -> None:
    """SQL (DuckDB) across every film of an archive."""
    from .query import query as run_query

    columns, rows = run_query(store, sql)
    if fmt == "json":
        typer.echo(json.dumps([dict(zip(columns, r)) for r in rows], default=str, ensure_ascii=False))
    elif fmt == "csv":
        import csv
        import sys

        w = csv.writer(sys.stdout)
        w.writerow(columns)
        w.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console().print(table)


#: the run-level ``name`` command of an installed package (perceive: name a run's person clusters),
#: reached through the archive-level one below for anything that is not an archive store
RUN_LEVEL_NAME: list = []


@app.command()
def name(
    target: Path = typer.Argument(..., help="archive store (or, for one run, what the run-level command names)"),
    who: str = typer.Argument(..., help="an archive id (A0001), or a JSON/YAML file {A0001: Scarlett, ...}"),
    given: Optional[str] = typer.Argument(None, help="the name, when WHO is an archive id ('' removes it)"),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="run level: output file (default: overwrite)"),
    csv: Optional[Path] = typer.Option(None, "--csv", help="run level: also write the seed CSV"),
) -> None:
    """Name persons. On an archive store: name archive ids once, and the name applies in every film
    (archive table, SQL, summary, and each film's persons at the next `reelmind archive`)."""
    import inspect

    from reelmind.core.errors import ConfigError

    from .identities import give_names
    from .store import ARCHIVE_DIR, ArchiveStore
    from .summary import build_summary

    if not (target / ARCHIVE_DIR).is_dir():
        if not RUN_LEVEL_NAME:
            raise ConfigError(f"{target} is not an archive store", "give the -o folder of `reelmind archive`")
        callback = RUN_LEVEL_NAME[0]
        params = inspect.signature(callback).parameters
        extra = {k: v for k, v in (("out", out), ("csv", csv)) if k in params}
        callback(target, Path(who), **extra)
        return
    if given is not None:
        names = {who: given}
    else:
        path = Path(who)
        if not path.is_file():
            raise ConfigError(f"{who}: neither a names file nor given a name", 'use `reelmind name STORE A0001 "Name"`')
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: a names file is a mapping archive id -> name")
        names = {str(k): str(v) for k, v in data.items()}
    archive = ArchiveStore(target, create=False)
    table = give_names(archive, names)
    build_summary(archive)
    named = sorted({(str(a), str(n)) for a, n in zip(table.archive_id, table.name) if n})
    typer.echo("named: " + ", ".join(f"{a}={n}" for a, n in named) + "; rerun `reelmind archive` to carry the names "
               "into every film's persons, dataset and report")
