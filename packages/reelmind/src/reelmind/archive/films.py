"""The archive manifest: which films to process, with optional title, year, language, screenplay.

A manifest is a CSV or Parquet table with a ``path`` column (``film`` or ``file`` are accepted
too) and optional ``title``, ``year``, ``language``, ``screenplay`` columns, or a plain list with
one film path per line (``#`` starts a comment). Relative paths are relative to the manifest's
folder. Each film gets a stable id, ``<title or file name>-<12 hex of its content fingerprint>``: its
run folder under the archive store.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any

from reelmind.core.errors import DataFileError

#: optional descriptive columns of a manifest (kept as strings)
FIELDS = ("title", "year", "language", "screenplay")
PATH_COLUMNS = ("path", "film", "file")
#: the columns of a film row as it flows through the archive pipeline
ROW_COLUMNS = ("film_id", "path", *FIELDS, "keys", "error")


def manifest_format(path: Path) -> str:
    """"csv", "parquet" or "list" from the manifest's suffix."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "list"


def path_column(columns: list[str], where: Path) -> str:
    """The manifest column holding film paths, or DataFileError naming the fix."""
    lowered = {c.strip().lower(): c for c in columns}
    for name in PATH_COLUMNS:
        if name in lowered:
            return lowered[name]
    raise DataFileError(f"{where}: the manifest has no path column (columns: {', '.join(columns) or 'none'})",
                        "add a header row with a 'path' column (or give a plain list, one film per line)")


def check_manifest(path: str | Path) -> tuple[str, str]:
    """(format, path column) of a readable manifest; reads only its header."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such manifest file", "give a CSV/Parquet table or a plain list of film paths")
    fmt = manifest_format(path)
    if fmt == "csv":
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = fh.readline()
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        return fmt, path_column([c.strip().strip('"') for c in header.rstrip("\n").split(sep)], path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # noqa: BLE001 - arrow raises several types for a bad file
            raise DataFileError(f"{path}: not a readable Parquet manifest ({type(exc).__name__})") from None
        return fmt, path_column(names, path)
    return fmt, "text"


def _text(value: Any) -> str:
    """A manifest cell as text ('' for missing; 1939.0 -> '1939')."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "<na>") else text


def normalise(rows: list[dict], column: str, base: Path) -> list[dict]:
    """Manifest rows -> film rows with ``path`` (absolute) and the optional fields as text.
    Blank and comment lines of a plain list are dropped."""
    out = []
    for row in rows:
        raw = _text(row.get(column))
        if not raw or raw.startswith("#"):
            continue
        p = Path(raw).expanduser()
        film = {"path": str(p if p.is_absolute() else (base / p).absolute())}
        lowered = {str(k).strip().lower(): v for k, v in row.items()}
        film.update({f: _text(lowered.get(f)) for f in FIELDS})
        out.append(film)
    return out


def slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "film"


def film_id(path: str | Path, fingerprint: str | None, title: str = "") -> str:
    """``<title or file name>-<12 hex>``: of the content fingerprint, or of the path when the file
    cannot be read."""
    digest = fingerprint or hashlib.sha256(f"unreadable:{Path(path).absolute()}".encode()).hexdigest()
    return f"{slug(title or Path(path).stem)}-{digest[:12]}"
