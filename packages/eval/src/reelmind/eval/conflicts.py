"""Conflict detection measured through the real perception stages on films with planted conflicts.

Two short films are built exactly as :mod:`.groundtruth` builds its film (real posed photos,
flite voices, ffmpeg): a smiling face (ann, dan) speaking a sad or angry line is a planted
conflict; controls are lines where the channels agree (smiling faces with happy lines, bea's
angry face with angry lines, cleo's neutral face with neutral lines). The lines were written for
this purpose and are not in the text-emotion sets. With the ground-truth film itself, every film
runs through ``faces`` + ``audio`` + ``fuse`` of the real orchestrator and is scored with
:func:`reelmind.eval.film.evaluate_run`; conflict precision and recall are pooled over all lines.

    reelmind eval-conflicts OUT_DIR [--json OUT.json]
"""

from __future__ import annotations

import logging
from pathlib import Path

from .groundtruth import Line

log = logging.getLogger("reelmind.eval.conflicts")

#: Planted film A: 4 conflicts, 8 controls.
PLANTED_A: tuple[Line, ...] = (
    Line("ann", "Good morning, everyone, what a lovely surprise to see you all.", +1, "ann", ("eileen",)),
    Line("bea", "You broke my window and you didn't even say sorry!", -1, "bea", ("ann",)),
    Line("ann", "My mother died last night, and I never got to say goodbye.", -1, "ann", ("bea",)),  # conflict
    Line("cleo", "The bus leaves from the station at ten.", 0, "cleo"),
    Line("dan", "We won the match, I am so proud of you all!", +1, "dan", ("cleo",)),
    Line("dan", "Get out of my house, and never come back!", -1, "dan", ("bea", "eileen")),  # conflict
    Line("bea", "I am sick and tired of your lies.", -1, "bea"),
    Line("ann", "Thank you, this is the best present I have ever had.", +1, "ann", ("dan",)),
    Line("ann", "I am so lonely, nobody ever calls me anymore.", -1, "ann"),  # conflict
    Line("cleo", "Put the letters on the table by the door.", 0, "cleo", ("ann",)),
    Line("dan", "How dare you lie to me, you miserable cheat!", -1, "dan"),  # conflict
    Line("bea", "Don't you ever touch my car again!", -1, "bea", ("dan",)),
)
#: Planted film B: 4 conflicts, 7 controls.
PLANTED_B: tuple[Line, ...] = (
    Line("dan", "Happy birthday, my dear, I love you so much.", +1, "dan", ("ann",)),
    Line("ann", "I waited all night by the phone, and he never called.", -1, "ann", ("eileen",)),  # conflict
    Line("bea", "Who gave you the right to read my diary?", -1, "bea", ("cleo",)),
    Line("cleo", "The meeting is on the second floor at three.", 0, "cleo"),
    Line("dan", "I hate you, I never want to see you again!", -1, "dan", ("bea",)),  # conflict
    Line("ann", "We are going to the seaside tomorrow, hooray!", +1, "ann"),
    Line("ann", "Our dog died this morning, and I can't stop crying.", -1, "ann", ("dan",)),  # conflict
    Line("bea", "Shut up and get out of my office!", -1, "bea"),
    Line("dan", "Wonderful news, you got the job!", +1, "dan", ("cleo", "eileen")),
    Line("cleo", "I will take the early train tomorrow.", 0, "cleo", ("ann",)),
    Line("dan", "You ruined everything, you stupid fool!", -1, "dan"),  # conflict
)
FILMS = {"planted_a": PLANTED_A, "planted_b": PLANTED_B}
STAGES = ("faces", "audio", "fuse")


def build_films(out_dir: str | Path, with_groundtruth: bool = True) -> dict[str, Path]:
    """Build the planted films (and the ground-truth film) under ``out_dir``; name -> ground_truth.json."""
    from .groundtruth import SCRIPT, build

    out = Path(out_dir)
    films = {**({"groundtruth": SCRIPT} if with_groundtruth else {}), **FILMS}
    paths = {}
    for name, script in films.items():
        truth = out / name / "ground_truth.json"
        paths[name] = truth if truth.exists() else build(out / name, script=script)
    return paths


def measure(out_dir: str | Path, with_groundtruth: bool = True, config=None) -> dict:
    """Build (once) and run every film through faces + audio + fuse; pooled conflict precision/recall."""
    try:
        from reelmind.pipeline.orchestrate import run_pipeline
    except ImportError:
        from reelmind.core.errors import MissingDependencyError

        raise MissingDependencyError("the reelmind pipeline (faces, audio, fuse stages)", "reelmind") from None
    from .film import _pr, evaluate_run

    out = Path(out_dir)
    tp = fp = fn = 0
    films, lines = {}, []
    for name, truth in build_films(out, with_groundtruth).items():
        run = out / name / "run"
        reports = run_pipeline(truth.parent / "film.mp4", run, config=config, only=STAGES)
        failed = [f"{r.name}: {r.message}" for r in reports if r.status not in ("computed", "cached", "reused")]
        if failed:
            log.warning("%s: %s", name, "; ".join(failed))
        res = evaluate_run(run, truth)
        m = res.metrics
        films[name] = {k: m[k] for k in ("lines", "wer", "speaking_face_accuracy", "conflict_precision", "conflict_recall",
                                          "conflicts_planted", "conflicts_found")}
        for d in res.lines:
            tp += d["conflict"] and d["pred_conflict"]
            fp += d["pred_conflict"] and not d["conflict"]
            fn += d["conflict"] and not d["pred_conflict"]
            lines.append({"film": name, **{k: d[k] for k in ("line", "speaker", "conflict", "pred_conflict",
                                                              "face_emotion", "text_emotion", "channels")}})
    precision, recall = _pr(tp, fp, fn)
    from reelmind.core.records import DatasetTable

    rule = ""
    for name in films:
        ds = DatasetTable.read_parquet(out / name / "run" / "dataset.parquet")
        if len(ds) and ds.conflict_rule is not None:
            rule = str(ds.conflict_rule[0])
            break
    return {"conflict_precision": round(precision, 4), "conflict_recall": round(recall, 4), "true_positives": int(tp),
            "false_positives": int(fp), "false_negatives": int(fn), "planted": int(tp + fn),
            "lines": len(lines), "films": films, "rule": rule, "details": lines}
