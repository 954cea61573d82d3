"""Score a pipeline run against a ground-truth film: WER, speakers, speaking face, listeners, conflicts.

Predicted speaker clusters and person ids are first mapped to ground-truth voices and persons
with the Hungarian algorithm on their overlap matrices (time overlap for voices; face rows
whose box centre lies in a ground-truth face box for persons), then every ground-truth line is
matched to the dataset row / utterance that overlaps it most.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.errors import DataFileError
from reelmind.core.records import DatasetTable, FaceTable, UtteranceTable

from .text import wer

log = logging.getLogger("reelmind.eval.film")

def hungarian(overlap: np.ndarray, rows: list, cols: list) -> dict:
    """rows[i] -> cols[j] maximising total overlap (pairs with zero overlap are dropped)."""
    from scipy.optimize import linear_sum_assignment

    if overlap.size == 0:
        return {}
    r, c = linear_sum_assignment(-overlap)
    return {rows[i]: cols[j] for i, j in zip(r, c) if overlap[i, j] > 0}


def _overlap(a0: np.ndarray, a1: np.ndarray, b0: float, b1: float) -> np.ndarray:
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None)


def map_speakers(utt: UtteranceTable, lines: list[dict]) -> dict[str, str]:
    """Predicted speaker cluster -> ground-truth voice (Hungarian on overlap seconds)."""
    clusters = sorted({s for s in utt.speaker if s})
    voices = sorted({ln["voice"] for ln in lines})
    m = np.zeros((len(clusters), len(voices)))
    for ln in lines:
        ov = _overlap(utt.start, utt.end, ln["start"], ln["end"])
        for i, s in enumerate(utt.speaker):
            if s and ov[i] > 0:
                m[clusters.index(s), voices.index(ln["voice"])] += ov[i]
    return hungarian(m, clusters, voices)


def map_persons(faces: FaceTable, lines: list[dict]) -> dict[int, str]:
    """Predicted person id -> ground-truth person (Hungarian on face rows inside ground-truth boxes)."""
    pids = sorted(int(p) for p in np.unique(faces.person_id) if p >= 0)
    persons = sorted({f["person"] for ln in lines for f in ln["faces"]})
    m = np.zeros((len(pids), len(persons)))
    cx = (faces.box[:, 0] + faces.box[:, 2]) / 2
    cy = (faces.box[:, 1] + faces.box[:, 3]) / 2
    for ln in lines:
        in_shot = (faces.time >= ln.get("shot_start", ln["start"])) & (faces.time < ln.get("shot_end", ln["end"]))
        for f in ln["faces"]:
            x1, y1, x2, y2 = f["box"]
            hit = in_shot & (cx >= x1) & (cx <= x2) & (cy >= y1) & (cy <= y2) & (faces.person_id >= 0)
            for pid, n in zip(*np.unique(faces.person_id[hit], return_counts=True)):
                m[pids.index(int(pid)), persons.index(f["person"])] += n
    return hungarian(m, pids, persons)


def _best_row(start: np.ndarray, end: np.ndarray, line: dict) -> int | None:
    if len(start) == 0:
        return None
    ov = _overlap(start, end, line["start"], line["end"])
    i = int(np.argmax(ov))
    return i if ov[i] > 0 else None


def _pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return precision, recall


@dataclass
class EvalResult:
    metrics: dict
    speaker_map: dict
    person_map: dict
    lines: list[dict] = field(default_factory=list)


def evaluate(faces: FaceTable, utterances: UtteranceTable, dataset: DatasetTable, truth: dict) -> EvalResult:
    """All metrics of ``reelmind eval`` (see the module docstring)."""
    lines = truth["lines"]
    order = np.argsort(utterances.start, kind="stable")
    hyp_text = " ".join(utterances.text[i] for i in order)
    ref_text = " ".join(ln["text"] for ln in lines)
    spk_map = map_speakers(utterances, lines)
    per_map = map_persons(faces, lines)
    spk_ok = face_ok = face_on = face_on_ok = 0
    ltp = lfp = lfn = ctp = cfp = cfn = 0
    details = []
    for ln in lines:
        u = _best_row(utterances.start, utterances.end, ln)
        r = _best_row(dataset.start_time, dataset.end_time, ln)
        pred_voice = spk_map.get(utterances.speaker[u]) if u is not None else None
        spk_ok += pred_voice == ln["voice"]
        pred_person = per_map.get(int(dataset.person_id[r])) if r is not None else None
        face_ok += pred_person == ln["speaker"]
        if ln.get("speaker_on_screen", True):
            face_on += 1
            face_on_ok += pred_person == ln["speaker"]
        gt_lis = set(ln["listeners"])
        pred_lis = set()
        if r is not None:
            pred_lis = {per_map.get(int(x), f"?{x}") for x in dataset.listener_ids[r]}
        ltp += len(pred_lis & gt_lis)
        lfp += len(pred_lis - gt_lis)
        lfn += len(gt_lis - pred_lis)
        pred_conf = bool(dataset.conflict[r]) if r is not None else False
        ctp += pred_conf and ln["conflict"]
        cfp += pred_conf and not ln["conflict"]
        cfn += (not pred_conf) and ln["conflict"]
        details.append({"line": ln.get("index"), "speaker": ln["speaker"], "voice": ln["voice"],
                        "pred_voice": pred_voice, "pred_person": pred_person, "listeners": sorted(gt_lis),
                        "pred_listeners": sorted(pred_lis), "conflict": ln["conflict"], "pred_conflict": pred_conf,
                        "row": r, "face_window": dataset.face_window[r] if r is not None else None,
                        "face_emotion": dataset.face_emotion[r] if r is not None else None,
                        "text_emotion": dataset.text_emotion[r] if r is not None else None,
                        "channels": list(dataset.conflict_channels[r]) if r is not None else None})
    n = max(1, len(lines))
    lp, lr = _pr(ltp, lfp, lfn)
    cp, cr = _pr(ctp, cfp, cfn)
    metrics = {
        "lines": len(lines), "utterances": len(utterances), "dataset_rows": len(dataset),
        "wer": round(wer(ref_text, hyp_text), 4),
        "speaker_attribution_accuracy": round(spk_ok / n, 4),
        "speaking_face_accuracy": round(face_ok / n, 4),
        "speaking_face_accuracy_on_screen": round(face_on_ok / max(1, face_on), 4),
        "listener_precision": round(lp, 4), "listener_recall": round(lr, 4),
        "conflict_precision": round(cp, 4), "conflict_recall": round(cr, 4),
        "conflicts_planted": int(ctp + cfn), "conflicts_found": int(ctp),
    }
    return EvalResult(metrics, spk_map, {int(k): v for k, v in per_map.items()}, details)


def evaluate_run(run_dir: str | Path, truth_path: str | Path) -> EvalResult:
    """Read ``faces`` / ``utterances`` / ``dataset`` Parquet files of a run folder and score them."""
    from .groundtruth import load

    run = Path(run_dir)
    if not run.is_dir():
        raise DataFileError(f"{run}: not a run folder")
    truth = load(truth_path)
    faces = FaceTable.read_parquet(run / "faces.parquet")
    utterances = UtteranceTable.read_parquet(run / "utterances.parquet")
    dataset = DatasetTable.read_parquet(run / "dataset.parquet")
    return evaluate(faces, utterances, dataset, truth)
