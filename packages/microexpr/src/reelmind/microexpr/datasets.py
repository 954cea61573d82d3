"""Loaders of the micro-expression data sets' annotation layouts (the user supplies the data).

Every loader returns :class:`Sample` rows (subject, clip, onset / apex / offset frame files,
emotion, AUs) and raises :class:`DataFileError` naming the file, the missing column or frame.

* ``casme2``: a sheet (.xlsx/.csv) with Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame,
  Action Units, Estimated Emotion; frames ``sub<NN>/<Filename>/img<N>.jpg`` anywhere under the root.
* ``samm``: a sheet whose header is on row 13 (Subject, Filename, Onset Frame, Apex Frame, Offset
  Frame, Action Units, Estimated Emotion, Objective Classes); frames ``<Subject>/<Filename>/<sub>_<N>.jpg``.
* ``smic``: no sheet: ``<subject>/micro/<emotion>/<clip>/<frames>``; there is no apex annotation:
  onset = first frame, offset = last frame, apex = the middle frame (documented approximation).
* ``mmew``: a sheet with Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame, AU, Estimated Emotion;
  frames in a folder named after Filename anywhere under the root, numbered ``<N>.jpg``.
* ``4dme``: a sheet with Subject, Filename (or Clip), Onset, Apex, Offset, AU, Emotion (or
  Estimated Emotion); frames in a folder named after Filename, numbered by the last digits of the name.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from reelmind.core.errors import DataFileError

LAYOUTS = ("casme2", "samm", "smic", "mmew", "4dme")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass(frozen=True)
class Sample:
    subject: str
    clip: str
    onset: Path
    apex: Path
    offset: Path
    emotion: str
    aus: str = ""


def _norm(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


COLUMNS = {
    "subject": ("subject", "sub", "subjectid"),
    "filename": ("filename", "clip", "foldname", "folder", "episode"),
    "onset": ("onsetframe", "onset"),
    "apex": ("apexframe", "apex"),
    "offset": ("offsetframe", "offset"),
    "aus": ("actionunits", "au", "aus"),
    "emotion": ("estimatedemotion", "emotion", "objectiveclasses", "class"),
}


def read_sheet(path: Path, header_row: int = 1) -> list[dict]:
    """Rows of an annotation sheet (.xlsx or .csv) as dicts keyed by normalised column names."""
    from .xlsx import read_rows

    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    elif path.suffix.lower() == ".xlsx":
        rows = read_rows(path)
    else:
        raise DataFileError(f"{path}: annotation sheets must be .xlsx or .csv")
    if len(rows) < header_row:
        raise DataFileError(f"{path}: no header on row {header_row}")
    header = [_norm(h) for h in rows[header_row - 1]]
    out = []
    for r in rows[header_row:]:
        if not any(str(x).strip() for x in r):
            continue
        out.append({h: (r[j] if j < len(r) else "") for j, h in enumerate(header) if h})
    return out


def _pick(row: dict, key: str, sheet: Path, required: bool = True):
    for alias in COLUMNS[key]:
        if alias in row and str(row[alias]).strip() != "":
            return row[alias]
    if required:
        raise DataFileError(f"{sheet}: no {key} column (looked for {', '.join(COLUMNS[key])}; found {', '.join(row)})",
                            "check the sheet is the data set's original annotation file")
    return ""


def _sheet(root: Path, patterns: tuple[str, ...], layout: str) -> Path:
    for pat in patterns:
        found = sorted(p for p in root.rglob(pat) if not p.name.startswith("~$"))
        if found:
            return found[0]
    raise DataFileError(f"{root}: no {layout} annotation sheet ({' or '.join(patterns)})",
                        "put the data set's coding sheet (.xlsx or .csv) inside DATASET_DIR")


def _index_dirs(root: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            out.setdefault(d.lower(), []).append(Path(dirpath) / d)
    return out


def _frames(folder: Path) -> dict[int, Path]:
    """Frame number (the last digits of the file name) -> file."""
    out = {}
    for f in folder.iterdir():
        m = re.search(r"(\d+)\D*$", f.stem)
        if f.suffix.lower() in IMAGE_EXT and m:
            out[int(m.group(1))] = f
    return out


def _int(v, what: str, sheet: Path, clip: str) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        raise DataFileError(f"{sheet}: clip {clip}: {what} frame {v!r} is not a number") from None


def _clip_folder(dirs: dict, clip: str, subject: str, root: Path) -> Path:
    cands = dirs.get(clip.lower(), [])
    if len(cands) > 1:  # CASME II reuses clip names across subjects: prefer the subject's folder
        sub = [c for c in cands if _norm(c.parent.name).lstrip("sub").lstrip("0") == _norm(subject).lstrip("sub").lstrip("0")]
        cands = sub or cands
    if not cands:
        raise DataFileError(f"{root}: no frame folder {clip!r} of subject {subject}", "check the frames are unpacked under DATASET_DIR")
    return cands[0]


def _from_sheet(root: Path, sheet: Path, header_row: int) -> list[Sample]:
    rows = read_sheet(sheet, header_row)
    if not rows:
        raise DataFileError(f"{sheet}: no annotated clip")
    dirs = _index_dirs(root)
    out = []
    for row in rows:
        subject = str(_pick(row, "subject", sheet)).strip()
        clip = str(_pick(row, "filename", sheet)).strip()
        if isinstance(subject, str) and subject.replace(".0", "").isdigit():
            subject = subject.replace(".0", "")
        folder = _clip_folder(dirs, clip, subject, root)
        frames = _frames(folder)
        got = {}
        for key in ("onset", "apex", "offset"):
            num = _int(_pick(row, key, sheet), key, sheet, clip)
            if num not in frames:
                raise DataFileError(f"{folder}: {key} frame {num} of clip {clip} is missing "
                                    f"(frames {min(frames) if frames else '-'}..{max(frames) if frames else '-'})")
            got[key] = frames[num]
        emotion = str(_pick(row, "emotion", sheet)).strip().lower()
        out.append(Sample(subject, clip, got["onset"], got["apex"], got["offset"], emotion, str(_pick(row, "aus", sheet, False))))
    return out


def load(root: str | Path, layout: str) -> list[Sample]:
    """The annotated clips of a data set folder in one of :data:`LAYOUTS`."""
    root = Path(root)
    if not root.is_dir():
        raise DataFileError(f"{root}: not a folder", "pass the data set's folder as DATASET_DIR")
    if layout == "casme2":
        return _from_sheet(root, _sheet(root, ("*CASME2*coding*.xlsx", "*CASME2*.xlsx", "*coding*.xlsx", "*CASME2*.csv", "*coding*.csv"), layout), 1)
    if layout == "samm":
        return _from_sheet(root, _sheet(root, ("*SAMM*.xlsx", "*SAMM*.csv"), layout), 13)
    if layout == "mmew":
        return _from_sheet(root, _sheet(root, ("*MMEW*.xlsx", "*MMEW*.csv"), layout), 1)
    if layout == "4dme":
        return _from_sheet(root, _sheet(root, ("*4DME*.xlsx", "*4DME*.csv", "*4dme*.xlsx"), layout), 1)
    if layout == "smic":
        return _smic(root)
    raise DataFileError(f"unknown layout {layout!r}", f"choose one of: {', '.join(LAYOUTS)}")


def _smic(root: Path) -> list[Sample]:
    out = []
    for micro in sorted(p for p in root.rglob("micro") if p.is_dir()):
        subject = micro.parent.name
        for emo in sorted(p for p in micro.iterdir() if p.is_dir()):
            for clip in sorted(p for p in emo.iterdir() if p.is_dir()):
                frames = _frames(clip)
                if len(frames) < 3:
                    raise DataFileError(f"{clip}: a SMIC clip needs at least 3 frames, found {len(frames)}")
                nums = sorted(frames)
                out.append(Sample(subject, clip.name, frames[nums[0]], frames[nums[len(nums) // 2]], frames[nums[-1]], emo.name.lower()))
    if not out:
        raise DataFileError(f"{root}: no SMIC clips (expected <subject>/micro/<emotion>/<clip>/ frames)",
                            "pass the folder that holds the subject folders (e.g. SMIC/HS)")
    return out
