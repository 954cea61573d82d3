"""The archive store: one run folder per film (exactly what ``reelmind run`` writes) plus the
archive's own folder.

Layout of ``STORE``::

    STORE/<film id>/                 a run folder: manifest.json, cache/, published tables and files
    STORE/<film id>/film.json        the manifest row (path, title, year, language, screenplay)
    STORE/_archive/archive.json      the stages of the last archive run, its counts
    STORE/_archive/persons.parquet   archive-wide identities (faces and voices), see identities.py
    STORE/_archive/names.json        names given with ``reelmind name STORE``
    STORE/_archive/summary.html      the archive summary

STORE is a POSIX path: a local disk or a shared filesystem mounted on every node (NFS, CephFS,
Lustre, a FUSE mount of a bucket). Results are committed by atomic rename, which object stores
do not offer, so ``s3://``-style URIs are refused with that fix.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reelmind.core.atomic import write_json
from reelmind.core.errors import ConfigError, DataFileError
from reelmind.core.runstore import RunLockedError, RunStore

ARCHIVE_DIR = "_archive"
FILM_INFO = "film.json"
DONE = ("computed", "cached")


def store_path(store: str | Path) -> Path:
    """The archive store as a local path (``file://`` accepted; object-store URIs refused)."""
    text = str(store)
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$", text)
    if match:
        if match.group(1).lower() != "file":
            raise ConfigError(f"archive store {text}: {match.group(1)}:// is not a filesystem; results are committed "
                              "by atomic rename, which object stores lack",
                              "mount the bucket or share on every node (NFS, CephFS, Lustre, s3fs, gcsfuse) and give "
                              "the mount path")
        text = match.group(2)
    return Path(text).expanduser()


@dataclass
class FilmStatus:
    film_id: str
    path: str
    title: str
    state: str  # done | failed | pending
    stages: dict[str, str] = field(default_factory=dict)  # stage -> done | failed | blocked | skipped | pending
    reason: str = ""  # the first failure, in one line


class ArchiveStore:
    """STORE: film run folders and the archive folder."""

    @classmethod
    def of(cls, store: "str | Path | ArchiveStore") -> "ArchiveStore":
        """``store`` itself, or the existing archive store at that path."""
        return store if isinstance(store, ArchiveStore) else cls(store, create=False)

    def __init__(self, root: str | Path, create: bool = True) -> None:
        self.root = store_path(root)
        self.folder = self.root / ARCHIVE_DIR
        if create:
            RunStore(self.folder)  # creates and checks that the store is writable, with a clear error
        elif not self.folder.is_dir():
            raise DataFileError(f"{self.root} is not an archive store (no {ARCHIVE_DIR}/ folder)",
                                "give the -o/--out folder of `reelmind archive`")
        self._lock: RunStore | None = None

    # ------------------------------------------------------------------ films
    def film_dir(self, film_id: str) -> Path:
        return self.root / film_id

    def film_ids(self) -> Iterator[str]:
        """Every film of the store (folders holding film.json), sorted."""
        if not self.root.is_dir():
            return
        for entry in sorted(os.scandir(self.root), key=lambda e: e.name):
            if entry.is_dir() and entry.name != ARCHIVE_DIR and (Path(entry.path) / FILM_INFO).is_file():
                yield entry.name

    def film_info(self, film_id: str) -> dict:
        return _read_json(self.film_dir(film_id) / FILM_INFO)

    def manifest(self, film_id: str) -> dict:
        return _read_json(self.film_dir(film_id) / "manifest.json")

    # ------------------------------------------------------------------ archive record
    def info(self) -> dict:
        return _read_json(self.folder / "archive.json")

    def write_info(self, info: dict) -> None:
        write_json(self.folder / "archive.json", info)

    def lock(self) -> None:
        """One archive driver per store (RunLockedError names the one that holds it)."""
        store = RunStore(self.folder)
        try:
            store.lock()
        except RunLockedError:
            raise RunLockedError(f"archive store {self.root} is in use by another `reelmind archive`",
                                 "wait for it to finish (see `reelmind archive --status`), or use another store") from None
        self._lock = store

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # ------------------------------------------------------------------ status
    def status(self, stages: list[str] | None = None) -> Iterator[FilmStatus]:
        """Per film and stage: done, failed, blocked (an input failed), skipped (cannot run here)
        or pending (not reached yet, or the run was stopped)."""
        stages = list(stages if stages is not None else self.info().get("stages", []))
        for film_id in self.film_ids():
            info = self.film_info(film_id)
            manifest = self.manifest(film_id)
            recorded = manifest.get("stages", {}) if manifest.get("film_fingerprint") == info.get("fingerprint") else {}
            st = FilmStatus(film_id, info.get("path", ""), info.get("title", ""), "pending")
            reasons = []
            if info.get("error"):
                reasons.append(info["error"])
            for name in sorted({*stages, *recorded}, key=lambda n: (n not in stages, stages.index(n) if n in stages else 0, n)):
                rep = recorded.get(name)
                if info.get("error"):
                    st.stages[name] = "blocked"
                elif rep is None or rep.get("status") == "interrupted":
                    st.stages[name] = "pending"
                elif rep.get("status") in DONE:
                    st.stages[name] = "done"
                elif rep.get("status") == "failed":
                    st.stages[name] = "failed"
                    reasons.append(f"{name}: {rep.get('message', '')}")
                elif "not produced" in rep.get("message", ""):
                    st.stages[name] = "blocked"
                else:
                    st.stages[name] = "skipped"
            states = set(st.stages.values())
            if reasons:
                st.state = "failed"
            elif "pending" in states:
                st.state = "pending"
            else:
                st.state = "done"
            st.reason = reasons[0].splitlines()[0] if reasons else ""
            yield st


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
