"""The ``persons`` analysis: face tracks -> person ids, labels and one summary row per person.

Tracks are cut where the identity changes inside them, their mean embeddings clustered into
person ids (0 = most frequent person), matched against a named reference DB and named from a
names file. Nothing here touches a video or a detector unless the reference DB is a folder of
photos (then the faces stage's own detector and embedder embed them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.records import FaceTable, PersonTable

from .identity import (
    ReferenceDB,
    assign_person_ids,
    centroids,
    default_label,
    label_persons,
    load_names,
    split_tracks,
)
from .options import PersonsOptions

log = logging.getLogger("reelmind.perceive.vision.persons")


@dataclass
class Identity:
    """What the faces stage's embedder says about distances (recorded in the face_tracks meta)."""

    name: str = "none"
    dim: int = 0
    metric: str = "euclidean"
    threshold: float = 0.5

    @classmethod
    def of(cls, faces: FaceTable) -> "Identity":
        e = (faces.meta or {}).get("embedder") or {}
        return cls(str(e.get("name", "none")), int(e.get("dim", 0)), str(e.get("metric", "euclidean")),
                   float(e.get("threshold", 0.5)))


@dataclass
class Naming:
    """Names given to person ids and what was odd about them."""

    names: dict[int, str] = field(default_factory=dict)
    source: dict[int, str] = field(default_factory=dict)  # id -> "reference_db" | "names"
    warnings: list[str] = field(default_factory=list)


def name_persons(person_ids: list[int], given: dict[int, str], template: str, source: str, naming: Naming) -> None:
    """Apply ``given`` names (ids not in the film are ignored with a warning; empty names keep the
    default label)."""
    present = set(person_ids)
    for pid, name in sorted(given.items()):
        label = default_label(pid, template)
        if pid not in present:
            naming.warnings.append(f"{source}: {label} is not a person of this film (ignored)")
            continue
        if not name.strip():
            naming.warnings.append(f"{source}: empty name for {label} (kept {label})")
            continue
        naming.names[pid] = name.strip()
        naming.source[pid] = source


def check_labels(person_ids: list[int], naming: Naming, template: str) -> None:
    """Warn when two persons end up with one label (a name equal to another's name or default label)."""
    labels: dict[str, list[int]] = {}
    for pid in sorted(person_ids):
        labels.setdefault(naming.names.get(pid, default_label(pid, template)), []).append(pid)
    for label, ids in sorted(labels.items()):
        if len(ids) > 1:
            naming.warnings.append(f"{len(ids)} persons share the label {label!r} "
                                   f"({', '.join(default_label(i, template) for i in ids)}): the dataset and report cannot "
                                   "tell them apart; give distinct names (or the same person was split in two)")


def identify(faces: FaceTable, options: PersonsOptions, reference: ReferenceDB | None = None) -> tuple[FaceTable, PersonTable, dict]:
    """Person ids and labels for ``faces`` (the face_tracks table), one PersonTable row per person,
    and what happened (for the meta)."""
    ident = Identity.of(faces)
    threshold = options.identity_threshold if options.identity_threshold is not None else ident.threshold
    n = len(faces)
    emb = faces.embedding if faces.embedding is not None and n else np.zeros((n, 0), np.float32)
    has_emb = emb.ndim == 2 and emb.shape[1] > 0
    track = faces.track if faces.track is not None else np.arange(n, dtype=np.int64)
    if has_emb:
        track = split_tracks(track, faces.time, emb, threshold, ident.metric)
        pid = assign_person_ids(track, emb, threshold, ident.metric)
    else:
        pid = np.full(n, -1, np.int64)
    ids = sorted(int(p) for p in np.unique(pid) if p >= 0)
    naming = Naming()
    matched: dict[str, float] = {}
    if reference is not None and has_emb:
        cids, cents = centroids(pid, emb)
        names, dist = reference.match(cents, threshold, ident.metric)
        found = {int(i): str(m) for i, m in zip(cids, names) if m}
        matched = {default_label(int(i), options.label_template): float(d) for i, d, m in zip(cids, dist, names) if m}
        name_persons(ids, found, options.label_template, "reference_db", naming)
    if options.names is not None:
        name_persons(ids, load_names(options.names), options.label_template, "names", naming)
    check_labels(ids, naming, options.label_template)
    for w in naming.warnings:
        log.warning("persons: %s", w)
    labels = label_persons(pid, naming.names, options.label_template)
    out = faces.with_columns(person_id=pid, person=labels, track=track)
    persons = summarise(out, ids, naming, options.label_template)
    info = {"persons": len(ids), "named": {str(k): v for k, v in sorted(naming.names.items())},
            "named_by": {str(k): v for k, v in sorted(naming.source.items())}, "reference_distances": matched,
            "identity_threshold": threshold, "metric": ident.metric, "embedder": ident.name, "warnings": naming.warnings}
    return out, persons, info


def summarise(faces: FaceTable, ids: list[int], naming: Naming, template: str) -> PersonTable:
    """One row per person id: label, named, face count, first/last/best-quality time, mean embedding."""
    emb = faces.embedding
    dim = emb.shape[1] if emb is not None and emb.ndim == 2 else 0
    rows: dict[str, list] = {k: [] for k in ("person_id", "person", "named", "faces", "first_time", "last_time",
                                             "best_time", "best_box", "embedding")}
    quality = faces.quality if faces.quality is not None else np.zeros(len(faces), np.float32)
    for p in ids:
        sel = np.flatnonzero(faces.person_id == p)
        best = sel[int(np.argmax(np.nan_to_num(quality[sel], nan=-1.0)))]
        rows["person_id"].append(p)
        rows["person"].append(naming.names.get(p, default_label(p, template)))
        rows["named"].append(p in naming.names)
        rows["faces"].append(len(sel))
        rows["first_time"].append(float(faces.time[sel].min()))
        rows["last_time"].append(float(faces.time[sel].max()))
        rows["best_time"].append(float(faces.time[best]))
        rows["best_box"].append(faces.box[best])
        if dim:
            e = emb[sel][np.all(np.isfinite(emb[sel]), axis=1)]
            mean = e.mean(0) if len(e) else np.full(dim, np.nan, np.float32)
            rows["embedding"].append(mean / max(float(np.linalg.norm(mean)), 1e-12) if len(e) else mean)
    k = len(ids)
    return PersonTable(person_id=np.asarray(rows["person_id"], np.int64), person=np.asarray(rows["person"], object),
                       named=np.asarray(rows["named"], bool), faces=np.asarray(rows["faces"], np.int64),
                       first_time=np.asarray(rows["first_time"], np.float64), last_time=np.asarray(rows["last_time"], np.float64),
                       best_time=np.asarray(rows["best_time"], np.float64),
                       best_box=np.asarray(rows["best_box"], np.float32).reshape(k, 4),
                       embedding=np.asarray(rows["embedding"], np.float32).reshape(k, dim) if dim else None)


def reference_db(path: Path, faces_meta: dict, profile: Any = None) -> ReferenceDB:
    """The reference DB at ``path``: an .npz, or a folder of photos embedded with the faces stage's
    own detector and embedder (its options are in ``faces_meta``)."""
    path = Path(path)
    if not path.is_dir():
        db = ReferenceDB.load(path)
        want = (faces_meta.get("embedder") or {}).get("name", "")
        if db.model and want and db.model != want:
            log.warning("reference DB %s was built with %s, the faces with %s: distances may not compare", path, db.model, want)
        return db
    from reelmind.core.config import options_from_dict

    from .backends import DETECTORS, EMBEDDERS
    from .options import FacesOptions

    known = set(FacesOptions.__dataclass_fields__)
    opts = options_from_dict(FacesOptions, {k: v for k, v in (faces_meta.get("options") or {}).items() if k in known})
    if opts.embed == "none":
        from reelmind.core.errors import ConfigError

        raise ConfigError("a reference DB needs face embeddings, but the faces stage ran with embed: none",
                          "set stages.faces.embed to dlib (or onnx)")
    return ReferenceDB.from_folder(path, DETECTORS.create(opts.detector, opts, profile),
                                   EMBEDDERS.create(opts.embed, opts, profile))
