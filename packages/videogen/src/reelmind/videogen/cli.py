"""``reelmind video RUN_DIR --comfyui URL --mode t2v|i2v|a2v|i2v+a2v --profile ... --seeds 42,123,777``
and ``reelmind video-eval`` (the blind A/B evaluation page)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from reelmind.core.errors import ReelmindError

app = typer.Typer(help="Generate clips from prompt frames through ComfyUI.", add_completion=False, no_args_is_help=True)


def load_prompt_frames(run_dir: Path):
    from reelmind.core.records.prompt import PromptFrameTable

    for name in ("prompts.parquet", "prompt_frames.parquet"):
        if (run_dir / name).is_file():  # promptgen writes full / pipeline / minimal rows: one tier is rendered
            return PromptFrameTable.read_parquet(run_dir / name).one_tier()
    raise ReelmindError(f"{run_dir}: no prompts.parquet", "run the prompts stage first: reelmind run FILM -o RUN_DIR")


@app.command("video")
def video(
    run_dir: Path = typer.Argument(..., help="run folder holding prompts.parquet (the prompts stage's output)"),
    comfyui: str = typer.Option("http://127.0.0.1:8188", "--comfyui", help="ComfyUI server URL"),
    mode: str = typer.Option("t2v", "--mode", help="t2v | i2v | a2v | i2v+a2v"),
    profile: str = typer.Option("rtx5070ti-laptop-12gb", "--profile", help="rtx5070ti-laptop-12gb | a40-48gb | h100-80gb"),
    seeds: str = typer.Option("42,123,777", "--seeds", help="comma-separated seeds"),
    width: Optional[int] = typer.Option(None, "--width"),
    height: Optional[int] = typer.Option(None, "--height"),
    frames: Optional[int] = typer.Option(None, "--frames", help="8k+1"),
    out: Optional[Path] = typer.Option(None, "--out", help="output folder (default RUN_DIR/videos)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="build, clamp, validate and save the graphs; queue nothing"),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML/JSON of further videogen options (model files, steps, cfg...)"),
    scatter: bool = typer.Option(True, "--scatter/--no-scatter", help="run the faces stage on every clip"),
    stitch: bool = typer.Option(True, "--stitch/--no-stitch", help="crossfade each character's clips into an arc"),
    timeout: float = typer.Option(1800.0, "--timeout", help="seconds one clip may take"),
    limit: Optional[int] = typer.Option(None, "--limit", help="only the first N prompt frames"),
) -> None:
    """Render every prompt frame × seed through ComfyUI into RUN_DIR/videos (manifest, graphs, clips, arcs)."""
    from rich.console import Console

    from reelmind.core.stage import Stage  # noqa: F401 - options are the stage's

    from .client import ComfyClient, ComfyUnreachable
    from .generate import generate
    from .options import VideoOptions

    console = Console(stderr=True)
    try:
        extra = _read_config(config) if config else {}
        opts = VideoOptions(**{**extra, "mode": mode, "profile": profile, "seeds": [int(s) for s in seeds.split(",") if s.strip()],
                               "width": width, "height": height, "frames": frames, "comfyui": comfyui,
                               "scatter": scatter, "stitch": stitch, "timeout": timeout})
        table = load_prompt_frames(run_dir)
        if limit:
            table = table.take(list(range(min(limit, len(table)))))
        film = _film(run_dir)
        dest = out or run_dir / "videos"
        client = None
        try:
            client = ComfyClient(comfyui, retries=0 if dry_run else 5)
            client.system_stats()
        except ComfyUnreachable:
            if not dry_run:
                raise
            console.print(f"[yellow]no ComfyUI at {comfyui}: validating against the bundled capture[/]")
            client = None
        with _Bars(console) as bars:
            manifest = generate(table, opts, dest, client=client, film=film, dry_run=dry_run, on_event=bars.event)
    except KeyboardInterrupt:
        console.print("[red]interrupted: /interrupt sent to ComfyUI; rerun the same command to resume[/]")
        raise typer.Exit(130) from None
    except ReelmindError as exc:
        typer.echo(f"reelmind video: error: {exc}", err=True)
        raise typer.Exit(2) from None
    _summary(console, manifest, dest)


def _read_config(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        data = json.loads(text)
    return data.get("videogen", data)


def _film(run_dir: Path) -> Path | None:
    m = run_dir / "manifest.json"
    if m.is_file():
        try:
            film = json.loads(m.read_text(encoding="utf-8")).get("film")
        except ValueError:
            return None
        if film and Path(film).is_file():
            return Path(film)
    return None


class _Bars:
    """One rich progress bar per clip (sampler steps, node being run)."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]{task.description:<34}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                 TextColumn("{task.fields[msg]}"), TimeElapsedColumn(), console=console)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def event(self, kind: str, data: dict) -> None:
        clip = data.get("clip", "")
        if kind == "built":
            return
        if clip not in self.tasks:
            self.tasks[clip] = self.progress.add_task(clip, total=1.0, msg="queued")
        t = self.tasks[clip]
        if kind == "progress" and data.get("max"):
            self.progress.update(t, completed=min(0.99, data["value"] / data["max"]), msg=f"step {data['value']}/{data['max']}")
        elif kind == "executing" and data.get("node"):
            self.progress.update(t, msg=f"node {data['node']}")
        elif kind == "execution_cached" and data.get("nodes"):
            self.progress.update(t, msg=f"{len(data['nodes'])} cached")
        elif kind == "done":
            self.progress.update(t, completed=1.0, msg=data.get("status", "done"))


def _summary(console, manifest: dict, dest: Path) -> None:
    from rich.table import Table

    t = Table(title=f"reelmind video → {dest}" + ("  (dry run)" if manifest["dry_run"] else ""))
    for col in ("clip", "seed", "size", "clamp", "status", "md5", "faces"):
        t.add_column(col, overflow="fold")
    for c in manifest["clips"]:
        cl = c["clamp"]
        t.add_row(c["name"], str(c["seed"]), f"{cl['width']}x{cl['height']}x{cl['frames']}",
                  "; ".join(cl["steps"]) or "-", c["status"], c["md5"][:12], (c.get("faces") or {}).get("dominant", ""))
    from rich.console import Console

    Console().print(t)
    if manifest.get("scatter"):
        s = manifest["scatter"]
        console.print(f"scatter {s['scatter']:.3f}  hit rate {s['hit_rate']:.3f}")
    for k, r in manifest.get("reproducibility", {}).items():
        console.print(f"reproducible {k}: {r['reproducible']}")
    for d in manifest.get("degraded", []):
        console.print(f"[yellow]degraded: {d}[/]")


@app.command("video-eval")
def video_eval(
    folder: Path = typer.Argument(..., help="a videos/ folder (manifest.json) or several, comma-separated"),
    db: Path = typer.Option(Path("ratings.sqlite"), "--db", help="SQLite file for the ratings"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port"),
    pairs: str = typer.Option("seeds", "--pairs", help="seeds (two seeds of one keyframe) | folders (same clip, two runs)"),
) -> None:
    """Serve the blind A/B evaluation page (which clip shows the intended emotion better, realism 1-5)."""
    import uvicorn

    from .evalpage import create_app, pairs_from_folders

    folders = [Path(p) for p in str(folder).split(",")]
    app_ = create_app(db, pairs_from_folders(folders, pairs))
    uvicorn.run(app_, host=host, port=port)
