"""Voice profiles shared across the films of an archive: named mean speaker embeddings.

The store is one ``.npz`` file (names, embeddings, utterance counts, embedder name). A film's
speaker clusters are matched to profiles by cosine similarity (best match first, one profile
per cluster); enrolling adds new clusters and refines matched profiles with a running mean.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from reelmind.core.errors import DataFileError

log = logging.getLogger("reelmind.perceive.audio.voiceprints")


@dataclass
class VoiceProfileStore:
    embedder: str
    names: list[str] = field(default_factory=list)
    embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    counts: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path, embedder: str) -> "VoiceProfileStore":
        """Read a store (an absent file is an empty store)."""
        path = Path(path)
        if not path.exists():
            return cls(embedder)
        try:
            with np.load(path, allow_pickle=False) as z:
                names = [str(x) for x in z["names"]]
                emb = np.asarray(z["embeddings"], np.float32)
                counts = [int(x) for x in z["counts"]]
                stored = str(z["embedder"])
        except Exception as exc:  # noqa: BLE001 - zip/np errors vary
            raise DataFileError(f"{path}: not a readable voice-profile store ({type(exc).__name__}: {exc})") from None
        if stored != embedder:
            raise DataFileError(f"{path}: voice profiles were made with {stored!r}, this run embeds with {embedder!r}")
        if len(names) != len(emb) or len(counts) != len(names):
            raise DataFileError(f"{path}: names/embeddings/counts lengths differ ({len(names)}/{len(emb)}/{len(counts)})")
        return cls(stored, names, emb, counts)

    def save(self, path: str | Path) -> Path:
        from reelmind.core.atomic import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, names=np.array(self.names, dtype=str), embeddings=self.embeddings,
                         counts=np.array(self.counts, np.int64), embedder=np.array(self.embedder))
        return Path(path)

    def match(self, cents: np.ndarray, threshold: float) -> list[tuple[str, float] | None]:
        """For each centroid, (profile name, similarity) of its one-to-one best match, or None."""
        out: list[tuple[str, float] | None] = [None] * len(cents)
        if not self.names or not len(cents):
            return out
        sim = np.asarray(cents, np.float32) @ self.embeddings.T
        used_c, used_p = set(), set()
        for flat in np.argsort(-sim, axis=None):
            c, p = divmod(int(flat), sim.shape[1])
            if sim[c, p] < threshold:
                break
            if c in used_c or p in used_p:
                continue
            out[c] = (self.names[p], float(sim[c, p]))
            used_c.add(c)
            used_p.add(p)
        return out

    def enroll(self, name: str, emb: np.ndarray, count: int) -> None:
        """Add a profile, or update an existing one with a count-weighted running mean."""
        emb = np.asarray(emb, np.float32).reshape(-1)
        if name in self.names:
            i = self.names.index(name)
            m = self.embeddings[i] * self.counts[i] + emb * count
            self.embeddings[i] = m / (np.linalg.norm(m) + 1e-9)
            self.counts[i] += count
            return
        self.embeddings = emb[None] if self.embeddings.size == 0 else np.vstack([self.embeddings, emb[None]])
        self.names.append(name)
        self.counts.append(int(count))
