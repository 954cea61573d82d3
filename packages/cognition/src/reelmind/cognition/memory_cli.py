"""``reelmind memory RUN QUERY``: emotion-boosted search in the ChromaDB memory a run's memory stage wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from reelmind.core import ReelmindError

app = typer.Typer(add_completion=False, help="Search the ChromaDB memory of a run.")


@app.command()
def memory(
    run: Path = typer.Argument(..., help="run folder (holds memories.parquet and memory/)"),
    query: str = typer.Argument(..., help="what to look for, in words"),
    character: Optional[str] = typer.Option(None, "--character", "-c", help="only this character's memories"),
    emotion: Optional[str] = typer.Option(None, "--emotion", "-e", help="boost memories with this emotion (+0.15)"),
    k: int = typer.Option(5, "-k", help="how many memories"),
    tier: Optional[list[str]] = typer.Option(None, "--tier", help="stm / archived / candidate / ltm (repeatable)"),
    memory_dir: Optional[Path] = typer.Option(None, help="ChromaDB folder (default: RUN/memory)"),
    memory_url: Optional[str] = typer.Option(None, help="ChromaDB server instead of a folder"),
) -> None:
    """Print the best memories as JSON lines: score, id, tier, character, time, emotion, text."""
    from reelmind.core.records import MemoryTable

    from .embeddings import Embedder
    from .memory_store import MemoryStore, StoreConfig

    try:
        table_path = run / "memories.parquet"
        if not table_path.is_file():
            raise ReelmindError(f"{run} holds no memories.parquet (the memory stage has not run there)",
                                "run `reelmind run` with the memory stage, or pass the run folder")
        meta = MemoryTable.read_parquet(table_path).meta
        used = meta.get("options", {})
        url = memory_url or used.get("url") or None
        cfg = StoreConfig(url=url, path=None if url else str(memory_dir or used.get("path") or run / "memory"),
                          collection=used.get("collection", "reelmind_memories"))
        store = MemoryStore(cfg, Embedder(used.get("embedding_model") or None, "cpu"))
        hits = store.search(query, k=k, character=character, emotion=emotion, film=meta.get("film_id"), tiers=tier)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for m, score in hits:
        typer.echo(json.dumps({"score": round(score, 4), "id": m.id, "tier": m.tier, "character": m.character,
                               "time": m.time, "emotion": m.emotion, "refs": m.refs, "text": m.text}, ensure_ascii=False))
