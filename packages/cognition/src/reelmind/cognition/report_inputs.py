"""What the report is built from: the dataset and the records of the cognition stages.

The report never reads files of other stages: :class:`ReportInputs` holds the records the driver
hands to the report stage (every analysis record is optional: a stage that was skipped or failed
is named in :attr:`ReportInputs.missing` and the report says so in its section). :func:`load_run`
reads a finished run folder's published records for ``reelmind report``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

from reelmind.core import DataFileError, DatasetTable
from reelmind.core.records import RECORD_TYPES, Table

#: record name -> (record type, the stage that makes it)
RECORDS: dict[str, tuple[str, str]] = {
    "moments": ("MomentTable", "moments"), "transitions": ("TransitionTable", "moments"), "arcs": ("ArcTable", "moments"),
    "moods": ("MoodTable", "moments"), "trends": ("TrendTable", "moments"),
    "memories": ("MemoryTable", "memory"), "hotspots": ("HotspotTable", "memory"),
    "consolidation": ("ConsolidationTable", "memory"), "scenes": ("SceneTable", "memory"),
    "character_scenes": ("CharacterSceneTable", "memory"), "reflections": ("ReflectionTable", "memory"),
    "personality": ("PersonalityTable", "personality"), "social": ("SocialEdgeTable", "social"),
    "migrations": ("MigrationTable", "social"), "influence": ("InfluenceEventTable", "social"),
    "scores": ("ScoreTable", "scores"),
}
#: Records of other packages the report links to when their stages ran (never listed as missing).
LINKED: dict[str, str] = {"prompts": "PromptFrameTable", "micro_events": "MicroEventTable"}


@dataclass
class ReportInputs:
    dataset: DatasetTable
    film: str = ""
    moments: Table | None = None
    transitions: Table | None = None
    arcs: Table | None = None
    moods: Table | None = None
    trends: Table | None = None
    memories: Table | None = None
    hotspots: Table | None = None
    consolidation: Table | None = None
    scenes: Table | None = None
    character_scenes: Table | None = None
    reflections: Table | None = None
    personality: Table | None = None
    social: Table | None = None
    migrations: Table | None = None
    influence: Table | None = None
    scores: Table | None = None
    prompts: Table | None = None
    micro_events: Table | None = None
    absent_reason: str = "the {stage} stage did not run"

    @classmethod
    def from_records(cls, records: dict, film: str = "") -> "ReportInputs":
        """From a stage-inputs dict (``dataset`` + any of :data:`RECORDS`), checking each record's type."""
        from reelmind.core.errors import RecordError

        ds = records.get("dataset")
        if not isinstance(ds, DatasetTable):
            raise RecordError("report inputs", "dataset", "DatasetTable", type(ds).__name__)
        known = {f.name for f in fields(cls)}
        kwargs = {}
        for name, value in records.items():
            if (name in RECORDS or name in LINKED) and value is not None:
                want = RECORD_TYPES[RECORDS[name][0] if name in RECORDS else LINKED[name]]
                if not isinstance(value, want):
                    raise RecordError("report inputs", name, want.__name__, type(value).__name__)
                kwargs[name] = value
        return cls(dataset=ds, film=film, **{k: v for k, v in kwargs.items() if k in known})

    @property
    def missing(self) -> dict[str, str]:
        """Absent records, each with why (the stage that makes it did not run)."""
        return {name: self.absent_reason.format(stage=stage) for name, (_, stage) in RECORDS.items()
                if getattr(self, name) is None}


def load_run(run: str | Path) -> ReportInputs:
    """A finished run folder's published records (``<RUN>/dataset.parquet`` + ``<RUN>/<record>.parquet``)."""
    run = Path(run)
    ds_path = run / "dataset.parquet"
    if not ds_path.exists():
        raise DataFileError(f"{ds_path}: no such file (is {run} a reelmind run folder?)")
    records: dict = {"dataset": DatasetTable.read_parquet(ds_path)}
    for name, kind in [*((n, k) for n, (k, _) in RECORDS.items()), *LINKED.items()]:
        path = run / f"{name}.parquet"
        if path.is_file():
            records[name] = RECORD_TYPES[kind].read_parquet(path)
    inputs = ReportInputs.from_records(records, film=str(records["dataset"].meta.get("film", "")) or run.name)
    inputs.absent_reason = "no {stage} records in the run folder"
    return inputs


# ----------------------------------------------------------------------------- name checks
_DEFAULT_LABEL = re.compile(r"person_(\d+)")


def name_warnings(ds: DatasetTable) -> list[str]:
    """Problems with the character names of a dataset, in words: empty names, and a name used for more
    than one person cluster (a name given twice, or another cluster's default label ``person_N``)."""
    out = []
    empty = sum(1 for c in ds.character if not str(c).strip())
    if empty:
        out.append(f"{empty} line(s) have an empty character name (reported as 'unknown'); name the speaker's cluster")
    ids: dict[str, set[int]] = defaultdict(set)
    for c, p in zip(ds.character, ds.person_id):
        if str(c).strip() and int(p) >= 0:
            ids[str(c)].add(int(p))
    for names, pids in zip(ds.listener, ds.listener_ids):
        for c, p in zip(names, pids):
            if str(c).strip() and int(p) >= 0:
                ids[str(c)].add(int(p))
    all_ids = {p for s in ids.values() for p in s}
    for name in sorted(ids):
        if len(ids[name]) > 1:
            out.append(f"name {name!r} is used by {len(ids[name])} person clusters ({', '.join(map(str, sorted(ids[name])))}): "
                       "their lines are merged under one name")
        m = _DEFAULT_LABEL.fullmatch(name)  # default labels are 1-based: person_1 is cluster 0
        other = int(m.group(1)) - 1 if m else -1
        if m and other in all_ids and other not in ids[name]:
            out.append(f"name {name!r} given to cluster {', '.join(map(str, sorted(ids[name])))} collides with the default "
                       f"label of cluster {other}")
    return out
