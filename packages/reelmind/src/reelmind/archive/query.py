"""SQL over the archive: DuckDB views across every film's published Parquet.

One view per published table name (``dataset``, ``faces``, ``persons``, ``utterances``, ``words``,
``voices``, ``scores``, ... whatever the installed stages publish), each the union of that table
over all films (columns matched by name) with a ``film`` column first; plus

* ``films``: film, path, title, year, language, screenplay, state, reason
* ``stages``: film, stage, state (done / failed / blocked / skipped / pending)
* ``archive_persons``: archive-wide identities (identities.py), ``named_faces``: ``faces`` with
  each face's ``archive_id`` and ``name``.

Usage: ``reelmind query STORE "SELECT film, count(*) FROM dataset WHERE conflict GROUP BY film"``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reelmind.core.errors import MissingDependencyError, ReelmindError

from .store import ARCHIVE_DIR, ArchiveStore


class QueryError(ReelmindError):
    """An SQL statement DuckDB refused."""


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def published_names(archive: ArchiveStore) -> list[str]:
    """Names of the tables published in any film folder (``<name>.parquet``)."""
    names: set[str] = set()
    for film in archive.film_ids():
        for entry in os.scandir(archive.film_dir(film)):
            if entry.is_file() and entry.name.endswith(".parquet") and not entry.name.startswith("."):
                names.add(entry.name[: -len(".parquet")])
    return sorted(names)


def connect(store: str | Path | ArchiveStore):
    """An in-memory DuckDB connection with the archive's views (see the module docstring)."""
    try:
        import duckdb
    except ImportError:
        raise MissingDependencyError("DuckDB", "duckdb (or pip install 'reelmind[archive]')") from None
    import pyarrow as pa

    archive = ArchiveStore.of(store)
    con = duckdb.connect()
    root = str(archive.root.absolute())
    for name in published_names(archive):
        pattern = _sql_text(os.path.join(root, "*", f"{name}.parquet"))
        con.execute(
            f"CREATE VIEW {_ident(name)} AS SELECT regexp_extract(filename, '([^/]+)/[^/]+$', 1) AS film, "
            f"* EXCLUDE (filename) FROM read_parquet({pattern}, filename = true, union_by_name = true) "
            f"WHERE regexp_extract(filename, '([^/]+)/[^/]+$', 1) <> {_sql_text(ARCHIVE_DIR)}")
    films, stages = [], []
    for st in archive.status():
        info = archive.film_info(st.film_id)
        films.append({"film": st.film_id, "path": st.path, "title": st.title, "year": info.get("year", ""),
                      "language": info.get("language", ""), "screenplay": info.get("screenplay", ""),
                      "state": st.state, "reason": st.reason})
        stages += [{"film": st.film_id, "stage": k, "state": v} for k, v in st.stages.items()]
    film_cols = ("film", "path", "title", "year", "language", "screenplay", "state", "reason")
    con.register("_films", pa.table({c: pa.array([f[c] for f in films], pa.string()) for c in film_cols}))
    con.execute("CREATE VIEW films AS SELECT * FROM _films")
    con.register("_stages", pa.table({c: pa.array([s[c] for s in stages], pa.string()) for c in ("film", "stage", "state")}))
    con.execute("CREATE VIEW stages AS SELECT * FROM _stages")
    persons = archive.folder / "persons.parquet"
    if persons.is_file():
        con.execute(f"CREATE VIEW archive_persons AS SELECT * FROM read_parquet({_sql_text(str(persons))})")
        if "faces" in published_names(archive):
            con.execute("CREATE VIEW named_faces AS SELECT f.*, p.archive_id, p.name FROM faces f LEFT JOIN "
                        "archive_persons p ON p.kind = 'face' AND p.film = f.film AND p.person_id = f.person_id")
    return con


def query(store: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` over the archive's views: (column names, rows)."""
    import duckdb

    con = connect(store)
    try:
        cur = con.execute(sql)
        return [d[0] for d in cur.description or []], cur.fetchall()
    except duckdb.Error as exc:
        views = ", ".join(sorted(r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()))
        raise QueryError(f"query failed: {str(exc).splitlines()[0]}", f"the views are: {views}") from None
    finally:
        con.close()
