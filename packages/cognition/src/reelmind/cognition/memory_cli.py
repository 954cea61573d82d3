"""``reelmind memory ANALYSIS QUERY``: emotion-boosted search in the persistent memory of an analysis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from reelmind.core import ReelmindError

app = typer.Typer(add_completion=False, help="Search the ChromaDB memory of a cognition analysis.")


@app.command()
def memory(
    analysis: Path = typer.Argument(..., help="analysis folder written by the cognition stage (holds meta.json)"),
    query: str = typer.Argument(..., help="what to look for, in words"),
    character: Optional[str] = typer.Option(None, "--character", "-c", help="only this character's memories"),
    emotion: Optional[str] = typer.Option(None, "--emotion", "-e", help="boost memories with this emotion (+0.15)"),
    k: int = typer.Option(5, "-k", help="how many memories"),
    tier: Optional[list[str]] = typer.Option(None, "--tier", help="stm / archived / candidate / ltm (repeatable)"),
    memory_dir: Optional[Path] = typer.Option(None, help="ChromaDB folder (default: the one the analysis used)"),
    memory_url: Optional[str] = typer.Option(None, help="ChromaDB server instead of a folder"),
) -> None:
    """Print the best memories as JSON lines: score, id, tier, character, time, emotion, text."""
    from .analysis import CognitionOptions, open_store

    try:
        meta_path = analysis / "meta.json"
        if not meta_path.is_file():
            raise ReelmindError(f"{analysis} is not a cognition analysis folder (no meta.json)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        used = meta.get("options", {})
        opts = CognitionOptions(memory_dir=str(memory_dir) if memory_dir else used.get("memory_dir"),
                                memory_url=memory_url or used.get("memory_url"),
                                memory_collection=used.get("memory_collection", "reelmind_memories"),
                                embedding_model=used.get("embedding_model"))
        store = open_store(analysis, opts)
        hits = store.search(query, k=k, character=character, emotion=emotion, film=meta.get("film_id"), tiers=tier)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for m, score in hits:
        typer.echo(json.dumps({"score": round(score, 4), "id": m.id, "tier": m.tier, "character": m.character,
                               "time": m.time, "emotion": m.emotion, "refs": m.refs, "text": m.text}, ensure_ascii=False))
