"""The ``reelmind`` command: run, doctor, and the commands installed packages contribute."""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from reelmind.core.errors import ReelmindError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="reelmind: films -> multimodal emotion data -> character understanding.")


@app.command()
def run(
    film: Path = typer.Argument(..., help="video (or audio) file to analyse"),
    out: Path = typer.Option(..., "-o", "--out", help="run folder (created; reruns resume from its cache)"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="YAML run config (profile, stages.<name>.<option>, skip)"),
    profile: Optional[str] = typer.Option(None, "--profile", help="GPU-tier profile (cpu-2core, rtx5070ti-laptop-12gb, a40-48gb, h100-80gb) or auto"),
    only: Optional[str] = typer.Option(None, "--only", help="comma-separated stages to run (with what they need)"),
    skip: Optional[str] = typer.Option(None, "--skip", help="comma-separated stages to skip"),
    enable: Optional[str] = typer.Option(None, "--enable", help="comma-separated opt-in stages to compute too (microexpr)"),
    force: Optional[str] = typer.Option(None, "--force", help="comma-separated stages to recompute even if cached"),
    strict: bool = typer.Option(False, "--strict", help="exit non-zero when a result is degraded (truncated input, decode errors)"),
    screenplay: Optional[Path] = typer.Option(None, "--screenplay", help="the film's screenplay (Fountain, text, PDF or scanned pages) for the prompts stage"),
    knowledge_base: Optional[Path] = typer.Option(None, "--knowledge-base", help="YAML name -> visual description of characters (prompt anchors)"),
) -> None:
    """Run every installed stage over FILM; missing stages are listed, not faked."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from reelmind.core.config import RunConfig

    from .orchestrate import run_pipeline

    split = lambda v: tuple(s.strip() for s in v.split(",") if s.strip()) if v else ()  # noqa: E731
    cfg = RunConfig.from_yaml(config) if config else RunConfig()
    if profile:
        cfg.profile = profile
    cfg.skip = [*cfg.skip, *split(skip)]
    cfg.enable = [*cfg.enable, *split(enable)]
    if strict:
        cfg.strict = True
    if screenplay:
        cfg.stages.setdefault("prompts", {})["screenplay"] = str(screenplay)
    if knowledge_base:
        cfg.stages.setdefault("prompts", {})["knowledge_base"] = str(knowledge_base)
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description:<10}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TextColumn("{task.fields[msg]}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def on_progress(stage: str, frac: float, msg: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=1.0, msg="")
            bar.update(tasks[stage], completed=max(0.0, min(1.0, frac)), msg=msg[:50])

        try:
            reports = run_pipeline(film, out, cfg, only=split(only), force=split(force), on_progress=on_progress)
        except KeyboardInterrupt as exc:
            bar.stop()
            _interrupted(exc)
    table = Table(title=f"reelmind run → {out}")
    for col in ("stage", "status", "seconds", "CPU s", "detail"):
        table.add_column(col, overflow="fold")
    colours = {"computed": "green", "cached": "cyan", "failed": "red", "missing": "yellow", "interrupted": "red"}
    for r in reports:
        detail = r.message or ", ".join(Path(p).name for p in r.outputs.values())
        if r.degraded:
            detail = "[yellow]degraded: " + "; ".join(r.degraded) + "[/] " + detail
        if r.publish_errors:
            detail = "[red]publish failed: " + "; ".join(r.publish_errors) + "[/] " + detail
        table.add_row(r.name, f"[{colours[r.status]}]{r.status}[/]", f"{r.seconds:.1f}", f"{r.cpu_seconds:.1f}", detail)
    Console().print(table)
    degraded = [f"{r.name}: {d}" for r in reports for d in r.degraded]
    for d in degraded:
        console.print(f"[yellow]warning: degraded result — {d}[/]")
    if any(r.status == "failed" or r.publish_errors for r in reports):
        raise typer.Exit(1)
    if degraded and cfg.strict:
        console.print("[red]--strict: degraded results count as a failure[/]")
        raise typer.Exit(3)


@app.command()
def doctor() -> None:
    """Say which backends, models, execution providers and GPUs are available, and why not."""
    from .doctor import print_doctor

    print_doctor()


def _mount_archive() -> None:
    """``reelmind archive``, ``query`` and ``name`` (reelmind.archive; Ray and DuckDB load only when used)."""
    from reelmind.archive.cli import app as archive_app

    app.registered_commands.extend(archive_app.registered_commands)


def _mount_plugins() -> None:
    """Add the commands that installed packages publish under entry-point group ``reelmind.cli``."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="reelmind.cli"):
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break the CLI
            logging.getLogger("reelmind.pipeline.cli").warning("command %s unavailable: %s", ep.name, exc)
            continue
        if isinstance(obj, typer.Typer):
            for info in obj.registered_commands:
                if info.name is None:
                    info.name = ep.name
                if info.name == "name":  # the archive-level `reelmind name` hands run folders to it
                    from reelmind.archive.cli import RUN_LEVEL_NAME

                    RUN_LEVEL_NAME[:] = [info.callback]
                    continue
                app.registered_commands.append(info)
            app.registered_groups.extend(obj.registered_groups)
        elif callable(obj):
            app.command(name=ep.name)(obj)


def _interrupted(exc: BaseException | None) -> None:
    stage = getattr(exc, "stage", "")
    where = f" during {stage}" if stage else ""
    print(f"reelmind: interrupted{where}; finished stages are kept; rerun the same command to resume", file=sys.stderr)
    sys.exit(130)


@functools.cache
def _mount_commands() -> None:
    """Once per process, though main() may run more than once in one (tests, notebooks)."""
    _mount_archive()
    _mount_plugins()


def main() -> None:
    import click

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _mount_commands()
    try:
        rv = app(standalone_mode=False)
    except click.exceptions.Abort as exc:
        _interrupted(exc.__cause__ or exc.__context__)
    except KeyboardInterrupt as exc:
        _interrupted(exc)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ReelmindError as exc:
        print(f"reelmind: error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
