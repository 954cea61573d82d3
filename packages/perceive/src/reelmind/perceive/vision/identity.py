"""Who is who: tracks split at identity changes and clustered into person ids, a named reference
DB matched with one batched distance matrix, and user names for clusters (the ``persons`` stage)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.errors import DataFileError

from .embed import pairwise_distance

log = logging.getLogger("reelmind.perceive.vision.identity")


def split_tracks(track: np.ndarray, time: np.ndarray, emb: np.ndarray, threshold: float, metric: str) -> np.ndarray:
    """Tracks cut where a face's embedding disagrees with the previous embedded face of its track
    (distance >= ``threshold``): boxes that overlap across a shot cut are not one person.
    Faces without an embedding follow the last embedded face before them."""
    out = track.copy()
    if len(track) == 0:
        return out
    has = np.all(np.isfinite(emb), axis=1) if emb.ndim == 2 and emb.shape[1] else np.zeros(len(track), bool)
    next_id = int(track.max()) + 1
    for t in np.unique(track):
        rows = np.flatnonzero(track == t)
        rows = rows[np.argsort(time[rows], kind="stable")]
        current, prev = int(t), None
        for r in rows:
            if has[r]:
                if prev is not None and pairwise_distance(emb[prev][None], emb[r][None], metric)[0, 0] >= threshold:
                    current, next_id = next_id, next_id + 1
                prev = r
            out[r] = current
    return out


def cluster_embeddings(emb: np.ndarray, threshold: float, metric: str = "euclidean", linkage_max: int = 6000) -> np.ndarray:
    """Cluster labels of ``emb``: average linkage cut at ``threshold`` (greedy centroids above ``linkage_max``)."""
    n = len(emb)
    if n == 0:
        return np.zeros(0, np.int64)
    if n == 1:
        return np.zeros(1, np.int64)
    if n <= linkage_max:
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        d = pairwise_distance(emb, emb, metric).astype(np.float64)
        np.fill_diagonal(d, 0.0)
        d = np.maximum((d + d.T) / 2, 0)
        z = linkage(squareform(d, checks=False), method="average")
        return fcluster(z, t=threshold, criterion="distance").astype(np.int64) - 1
    # large inputs: greedy leader clustering on running centroids (O(n k))
    labels = np.empty(n, np.int64)
    cents: list[np.ndarray] = []
    counts: list[int] = []
    for i, e in enumerate(emb):
        if cents:
            dist = pairwise_distance(e[None], np.stack(cents), metric)[0]
            j = int(np.argmin(dist))
            if dist[j] < threshold:
                labels[i] = j
                counts[j] += 1
                cents[j] = cents[j] + (e - cents[j]) / counts[j]
                continue
        labels[i] = len(cents)
        cents.append(e.astype(np.float32).copy())
        counts.append(1)
    return labels


def assign_person_ids(track: np.ndarray, emb: np.ndarray, threshold: float, metric: str) -> np.ndarray:
    """Person id per face (0 = most frequent person): tracks' mean embeddings clustered; faces of
    tracks with no embedding get -1."""
    n = len(track)
    out = np.full(n, -1, np.int64)
    if n == 0:
        return out
    have = np.all(np.isfinite(emb), axis=1) if emb.ndim == 2 and emb.shape[1] else np.zeros(n, bool)
    tids = np.unique(track[have])
    if len(tids) == 0:
        return out
    means = np.stack([emb[(track == t) & have].mean(0) for t in tids])
    labels = cluster_embeddings(means, threshold, metric)
    lab_of_track = dict(zip(tids.tolist(), labels.tolist()))
    raw = np.array([lab_of_track.get(int(t), -1) for t in track], np.int64)
    # renumber by number of faces, most frequent first
    uniq, counts = np.unique(raw[raw >= 0], return_counts=True)
    order = uniq[np.argsort(-counts, kind="stable")]
    remap = {int(old): new for new, old in enumerate(order)}
    return np.array([remap.get(int(r), -1) for r in raw], np.int64)


def centroids(person_id: np.ndarray, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, (k, D) mean embedding per person id >= 0)."""
    ok = (person_id >= 0) & np.all(np.isfinite(emb), axis=1)
    ids = np.unique(person_id[ok])
    if len(ids) == 0:
        return ids, np.zeros((0, emb.shape[1] if emb.ndim == 2 else 0), np.float32)
    return ids, np.stack([emb[ok & (person_id == i)].mean(0) for i in ids]).astype(np.float32)


@dataclass
class ReferenceDB:
    """Named reference embeddings (several per name allowed), matched in one batch."""

    names: np.ndarray  # (m,) str
    embeddings: np.ndarray  # (m, D)
    model: str = ""

    @classmethod
    def load(cls, path: str | Path) -> "ReferenceDB":
        """A ``.npz`` with ``names`` and ``embeddings`` (and ``model``) as written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(np.asarray(z["names"]).astype(str), np.asarray(z["embeddings"], np.float32),
                           str(z["model"]) if "model" in z else "")
        except (OSError, KeyError, ValueError) as exc:
            raise DataFileError(f"{path}: not a reference DB .npz with names + embeddings ({exc})") from None

    @classmethod
    def from_folder(cls, folder: str | Path, detector, embedder) -> "ReferenceDB":
        """``folder/<name>/*.jpg|png`` or ``folder/<name>.jpg``: the largest face of each image."""
        from .decode import read_image

        folder = Path(folder)
        if not folder.is_dir():
            raise DataFileError(f"reference folder {folder} does not exist")
        items = []
        for p in sorted(folder.iterdir()):
            if p.is_dir():
                items += [(p.name, f) for f in sorted(p.iterdir()) if f.suffix.lower() in (".jpg", ".jpeg", ".png")]
            elif p.suffix.lower() in (".jpg", ".jpeg", ".png"):
                items.append((p.stem, p))
        names, embs = [], []
        for name, f in items:
            img = read_image(f)
            det = detector.detect([img])[0]
            if not len(det):
                log.warning("reference image %s: no face found, skipped", f)
                continue
            areas = (det.boxes[:, 2] - det.boxes[:, 0]) * (det.boxes[:, 3] - det.boxes[:, 1])
            k = int(np.argmax(areas))
            embs.append(embedder.embed(img, det.boxes[k:k + 1], det.landmarks[k:k + 1])[0])
            names.append(name)
        if not names:
            raise DataFileError(f"reference folder {folder}: no face found in any image")
        return cls(np.asarray(names), np.stack(embs), getattr(embedder, "name", ""))

    def save(self, path: str | Path) -> Path:
        from reelmind.core.atomic import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, names=self.names.astype(str), embeddings=self.embeddings, model=np.asarray(self.model))
        return Path(path)

    def match(self, queries: np.ndarray, threshold: float, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Best name ('' if none under ``threshold``) and its distance for each query, one batch."""
        if len(queries) == 0 or len(self.names) == 0:
            return np.full(len(queries), "", object), np.full(len(queries), np.inf, np.float32)
        d = pairwise_distance(queries, self.embeddings, metric)
        j = np.argmin(d, axis=1)
        best = d[np.arange(len(queries)), j]
        names = np.where(best < threshold, self.names[j], "").astype(object)
        return names, best.astype(np.float32)


def default_label(pid: int, template: str = "person_{n}") -> str:
    """Seed-style label of person id ``pid`` (1-based ``n``); '' for unknown (-1)."""
    return "" if pid < 0 else template.format(n=pid + 1, id=pid)


def load_names(path: str | Path) -> dict[int, str]:
    """Person id -> name from JSON or YAML; keys are the 1-based numbers of the labels ('3' or 'person_3')."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the names file ({exc.strerror})") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:
        raise DataFileError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'YAML'} ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping of person id -> name, got {type(data).__name__}")
    out = {}
    for k, v in data.items():
        num = str(k).rsplit("_", 1)[-1]
        if not num.isdigit() or int(num) < 1 or not isinstance(v, str):
            raise DataFileError(f"{path}: bad entry {k!r}: {v!r} (want e.g. 3: Scarlett or person_3: Scarlett)")
        out[int(num) - 1] = v
    return out


def label_persons(person_id: np.ndarray, names: dict[int, str] | None = None, template: str = "person_{n}") -> np.ndarray:
    """Label per face: a user name when given, else the seed-style default label."""
    names = names or {}
    return np.array([names.get(int(p), default_label(int(p), template)) if p >= 0 else "" for p in person_id], object)


def write_names(path: str | Path, names: dict[int, str]) -> Path:
    """Write person id -> name as the YAML names file :func:`load_names` reads (``3: Scarlett``, 1-based)."""
    import yaml

    from reelmind.core.atomic import write_text

    return write_text(path, yaml.safe_dump({int(k) + 1: str(v) for k, v in sorted(names.items())}, allow_unicode=True,
                                           sort_keys=True))
