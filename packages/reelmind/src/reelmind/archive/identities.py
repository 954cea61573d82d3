"""Archive-wide identities: the same actor across films gets one archive person id.

Per film, every face cluster (person id) gives a unit mean embedding (the ``persons`` table's,
or the mean of its faces' embeddings) and every speaker a voice profile (the ``voices`` table).
Across films, clusters of one kind are joined by average-linkage agglomeration under a cosine
distance threshold, never joining two clusters of the same film (the film's own clustering
already kept them apart). Ids are stable: a group keeps the archive id most of its members had
in the previous table, new groups get the next free number. A film's voice group and face group
are one person when the film's dataset pairs that speaker with that face (the speaking face) on
most of the speaker's lines; the archive id of a voice-only group starts with ``V``.

Names are given once per archive id (``reelmind name STORE``) and apply everywhere: the archive
table, the SQL views, the summary, and the next ``reelmind archive`` run, whose ``persons`` (or
``faces``) stage gets the named embeddings as its reference DB.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.atomic import atomic_path, write_json
from reelmind.core.config import RunConfig
from reelmind.core.errors import DataFileError
from reelmind.core.records import ArchivePersonTable, DatasetTable, FaceTable, PersonTable, VoiceTable
from reelmind.core.stage import Stage

from .store import ArchiveStore

log = logging.getLogger("reelmind.archive.identities")

PERSONS_FILE = "persons.parquet"
NAMES_FILE = "names.json"
REFERENCE_FILE = "reference.npz"
#: cosine distance under which two films' clusters are one person. Faces: the faces stage's dlib
#: identity cut (Euclidean 0.5 on vectors of norm ~1.54) is ~0.05 in cosine terms; on the sample
#: photos different people are >= 0.08 apart. Voices (resemblyzer): flite voices are 0.17-0.31
#: apart, so only closer profiles join.
FACE_DISTANCE = 0.05
VOICE_DISTANCE = 0.15
#: share of a speaker's lines that must show one face for the two to be the same person
SPEAKER_FACE_SHARE = 0.5


@dataclass
class Cluster:
    film: str
    kind: str  # "face" | "voice"
    label: str
    person_id: int
    embedding: np.ndarray  # unit length (matching)
    count: int
    raw: np.ndarray | None = None  # as the film's stage has it (the reference DB compares these)


# ----------------------------------------------------------------------------- per film
def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32).reshape(-1)
    return v / (np.linalg.norm(v) + 1e-9)


def face_clusters(film: str, persons: PersonTable | None, faces: FaceTable | None) -> list[Cluster]:
    """One cluster per person id of a film (from the persons table, else from its faces)."""
    out = []
    if persons is not None and persons.embedding is not None and len(persons):
        for i in range(len(persons)):
            emb = persons.embedding[i]
            if persons.person_id[i] >= 0 and np.isfinite(emb).all() and np.linalg.norm(emb) > 0:
                out.append(Cluster(film, "face", str(persons.person[i]), int(persons.person_id[i]), _unit(emb),
                                   int(persons.faces[i]) if persons.faces is not None else 0, np.asarray(emb, np.float32)))
        return out
    if faces is None or faces.embedding is None or not len(faces):
        return out
    pid = faces.person_id if faces.person_id is not None else np.full(len(faces), -1)
    for p in sorted(set(int(x) for x in pid if x >= 0)):
        rows = np.flatnonzero(pid == p)
        emb = faces.embedding[rows]
        emb = emb[np.isfinite(emb).all(axis=1)]
        if not len(emb):
            continue
        label = str(faces.person[rows[0]]) if faces.person is not None else str(p)
        out.append(Cluster(film, "face", label, p, _unit(np.mean([_unit(e) for e in emb], axis=0)), len(rows),
                           np.mean(emb, axis=0).astype(np.float32)))
    return out


def voice_clusters(film: str, voices: VoiceTable | None) -> list[Cluster]:
    if voices is None or not len(voices):
        return []
    return [Cluster(film, "voice", str(voices.speaker[i]), -1, _unit(voices.embedding[i]), int(voices.utterances[i]))
            for i in range(len(voices)) if np.isfinite(voices.embedding[i]).all()]


def speaker_faces(dataset: DatasetTable | None) -> dict[str, int]:
    """speaker label -> person id of the face that speaks most of that speaker's lines."""
    if dataset is None or not len(dataset) or dataset.speaker_id is None or dataset.person_id is None:
        return {}
    out = {}
    for spk in sorted(set(str(s) for s in dataset.speaker_id if s)):
        ids = [int(p) for s, p in zip(dataset.speaker_id, dataset.person_id) if s == spk]
        known = Counter(p for p in ids if p >= 0)
        if known:
            p, n = known.most_common(1)[0]
            if n / len(ids) >= SPEAKER_FACE_SHARE:
                out[spk] = p
    return out


# ----------------------------------------------------------------------------- across films
def group(clusters: list[Cluster], threshold: float) -> list[int]:
    """Group label per cluster: average linkage cut at ``threshold`` (cosine distance); a group that
    would hold two clusters of one film keeps, per film, the one nearest its centre and the others
    start groups of their own (a film's own clustering already told them apart)."""
    n = len(clusters)
    if n < 2:
        return list(range(n))
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    emb = np.stack([c.embedding for c in clusters]).astype(np.float64)
    labels = fcluster(linkage(np.clip(pdist(emb, "cosine"), 0, 2), "average"), t=threshold, criterion="distance") - 1
    labels = labels.astype(np.int64)
    nxt = int(labels.max()) + 1
    for g in np.unique(labels):
        members = np.flatnonzero(labels == g)
        centre = _unit(emb[members].mean(axis=0))
        by_film: dict[str, list[int]] = {}
        for i in members:
            by_film.setdefault(clusters[i].film, []).append(int(i))
        for idx in by_film.values():
            for i in sorted(idx, key=lambda i: -float(emb[i] @ centre))[1:]:
                labels[i] = nxt
                nxt += 1
    return [int(x) for x in labels]


def _stable_ids(keys: list[tuple[str, str, str]], groups: list[int], previous: dict[tuple[str, str, str], str],
                prefix: str, taken: set[str]) -> dict[int, str]:
    """Archive id per group: the most common previous id of its members if free, else the next number."""
    out: dict[int, str] = {}
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    order = sorted(members, key=lambda g: min(keys[i] for i in members[g]))
    for g in order:
        old = Counter(previous[keys[i]] for i in members[g] if keys[i] in previous and previous[keys[i]].startswith(prefix))
        for aid, _ in old.most_common():
            if aid not in taken:
                out[g] = aid
                break
    numbers = [int(m.group(1)) for t in taken | set(previous.values()) if (m := re.fullmatch(rf"{prefix}(\d+)", t))]
    nxt = max(numbers, default=0) + 1
    for g in order:
        if g not in out:
            out[g] = f"{prefix}{nxt:04d}"
            nxt += 1
        taken.add(out[g])
    return out


def build_identities(archive: ArchiveStore, face_distance: float = FACE_DISTANCE,
                     voice_distance: float = VOICE_DISTANCE) -> ArchivePersonTable:
    """Match persons and voices across the films of ``archive``; writes ``_archive/persons.parquet``."""
    faces_c, voices_c, links = [], [], {}
    for film in archive.film_ids():
        tables = published(archive.film_dir(film), ("persons", "faces", "voices", "dataset"))
        faces_c += face_clusters(film, tables.get("persons"), tables.get("faces"))
        voices_c += voice_clusters(film, tables.get("voices"))
        links[film] = speaker_faces(tables.get("dataset"))
    previous = _previous(archive)
    taken: set[str] = set()
    fkeys = [(c.film, "face", str(c.person_id)) for c in faces_c]
    fgroups = group(faces_c, face_distance)
    face_ids = _stable_ids(fkeys, fgroups, previous, "A", taken)
    face_aid = {(c.film, c.person_id): face_ids[g] for c, g in zip(faces_c, fgroups)}
    vgroups = group(voices_c, voice_distance)
    # a speaker shown by one face in its film is that face's person; other voices take the person of
    # the linked voices they group with, else a voice-only id (V...)
    vid: dict[int, str] = {}
    for i, c in enumerate(voices_c):
        p = links.get(c.film, {}).get(c.label)
        if p is not None and (c.film, p) in face_aid:
            vid[i] = face_aid[(c.film, p)]
    for g in set(vgroups):
        votes = Counter(vid[i] for i, gg in enumerate(vgroups) if gg == g and i in vid)
        for i, gg in enumerate(vgroups):
            if gg == g and i not in vid and votes:
                vid[i] = votes.most_common(1)[0][0]
    rest = [i for i in range(len(voices_c)) if i not in vid]
    vkeys = [(voices_c[i].film, "voice", voices_c[i].label) for i in rest]
    v_ids = _stable_ids(vkeys, [vgroups[i] for i in rest], previous, "V", taken)
    vid.update({i: v_ids[vgroups[i]] for i in rest})
    names = read_names(archive)
    rows = [(face_aid[(c.film, c.person_id)], c) for c in faces_c] + [(vid[i], c) for i, c in enumerate(voices_c)]
    table = _table(rows, names, {"face_distance": face_distance, "voice_distance": voice_distance})
    with atomic_path(archive.folder / PERSONS_FILE) as tmp:
        table.to_parquet(tmp)
    write_reference(archive, table, faces_c)
    return table


def _table(rows: list[tuple[str, Cluster]], names: dict[str, str], params: dict) -> ArchivePersonTable:
    rows = sorted(rows, key=lambda r: (r[0], r[1].film, r[1].kind, r[1].label))
    cents: dict[tuple[str, str], np.ndarray] = {}
    for aid, c in rows:
        cents.setdefault((aid, c.kind), []).append(c.embedding)  # type: ignore[arg-type]
    cents = {k: _unit(np.mean(v, axis=0)) for k, v in cents.items()}
    return ArchivePersonTable(
        archive_id=np.array([a for a, _ in rows], dtype=object), film=np.array([c.film for _, c in rows], dtype=object),
        kind=np.array([c.kind for _, c in rows], dtype=object), label=np.array([c.label for _, c in rows], dtype=object),
        person_id=np.array([c.person_id for _, c in rows], np.int64),
        name=np.array([names.get(a, "") for a, _ in rows], dtype=object),
        count=np.array([c.count for _, c in rows], np.int64),
        similarity=np.array([float(c.embedding @ cents[(a, c.kind)]) for a, c in rows], np.float32),
        meta={"stage": "archive.identities", **params})


def _previous(archive: ArchiveStore) -> dict[tuple[str, str, str], str]:
    path = archive.folder / PERSONS_FILE
    if not path.is_file():
        return {}
    try:
        old = ArchivePersonTable.read_parquet(path)
    except DataFileError:
        return {}
    return {(str(f), str(k), str(p) if k == "face" else str(lab)): str(a)
            for a, f, k, lab, p in zip(old.archive_id, old.film, old.kind, old.label, old.person_id)}


def published(film_dir: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """The film's published tables among ``names`` (absent or unreadable ones left out)."""
    from reelmind.core.records import RECORD_TYPES

    by_record = {cls.RECORD: cls for cls in RECORD_TYPES.values()}
    out = {}
    for name in names:
        path = film_dir / f"{name}.parquet"
        cls = by_record.get(name)
        if cls is None or not path.is_file():
            continue
        try:
            out[name] = cls.read_parquet(path)
        except DataFileError as exc:
            log.warning("%s: %s", path, exc)
    return out


# ----------------------------------------------------------------------------- names
def read_names(archive: ArchiveStore) -> dict[str, str]:
    path = archive.folder / NAMES_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc})") from None
    return {str(k): str(v) for k, v in data.items()}


def give_names(archive: ArchiveStore, names: dict[str, str]) -> ArchivePersonTable:
    """Name archive ids once (``{"A0001": "Scarlett"}``; an empty name removes one); rewrites the
    archive table and the reference DB the next archive run hands to the persons stage."""
    path = archive.folder / PERSONS_FILE
    if not path.is_file():
        raise DataFileError(f"{archive.root} has no archive persons yet", "run `reelmind archive` on it first")
    table = ArchivePersonTable.read_parquet(path)
    known = set(str(a) for a in table.archive_id)
    unknown = sorted(set(names) - known)
    if unknown:
        raise DataFileError(f"unknown archive id(s): {', '.join(unknown)}",
                            f"choose from {', '.join(sorted(known)[:20])} (see `reelmind query {archive.root} "
                            "\"SELECT * FROM archive_persons\"`)")
    current = read_names(archive)
    for aid, name in names.items():
        if name.strip():
            current[aid] = name.strip()
        else:
            current.pop(aid, None)
    write_json(archive.folder / NAMES_FILE, dict(sorted(current.items())))
    table = table.with_columns(name=np.array([current.get(str(a), "") for a in table.archive_id], dtype=object))
    with atomic_path(path) as tmp:
        table.to_parquet(tmp)
    faces_c = [Cluster(str(f), "face", str(lab), int(p), np.zeros(0, np.float32), 0)
               for f, k, lab, p in zip(table.film, table.kind, table.label, table.person_id) if k == "face"]
    write_reference(archive, table, _with_embeddings(archive, faces_c))
    return table


def _with_embeddings(archive: ArchiveStore, clusters: list[Cluster]) -> list[Cluster]:
    out = []
    for film in sorted({c.film for c in clusters}):
        tables = published(archive.film_dir(film), ("persons", "faces"))
        out += face_clusters(film, tables.get("persons"), tables.get("faces"))
    return out


def write_reference(archive: ArchiveStore, table: ArchivePersonTable, faces_c: list[Cluster]) -> Path | None:
    """``_archive/reference.npz``: the embeddings of every named person's face clusters."""
    path = archive.folder / REFERENCE_FILE
    named = {(str(f), int(p)): str(n) for f, k, p, n in zip(table.film, table.kind, table.person_id, table.name)
             if k == "face" and n}
    pairs = [(named[(c.film, c.person_id)], c.raw if c.raw is not None else c.embedding) for c in faces_c
             if (c.film, c.person_id) in named]
    if not pairs:
        path.unlink(missing_ok=True)
        return None
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, names=np.array([n for n, _ in pairs], dtype=str), embeddings=np.stack([e for _, e in pairs]),
                     model=np.array(""))
    return path


def with_archive_names(config: RunConfig, stages: dict[str, Stage], archive: ArchiveStore) -> RunConfig:
    """The run config with the archive's named persons as the reference DB of the stage that names
    persons (``persons``, or ``faces`` before the split), unless the config already sets one."""
    ref = archive.folder / REFERENCE_FILE
    if not ref.is_file():
        return config
    for name in ("persons", "faces"):
        st = stages.get(name)
        if st is None or "reference_db" not in {f.name for f in dataclasses.fields(st.options_type)}:
            continue
        values = dict(config.stages.get(name) or {})
        if values.get("reference_db"):
            return config
        values["reference_db"] = str(ref)
        return dataclasses.replace(config, stages={**config.stages, name: values})
    return config
