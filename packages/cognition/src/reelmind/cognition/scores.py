"""The ``scores`` stage: the 6-dimension white-box performance scores per character (:mod:`.scoring`).

One row per (character, dimension): score 0..10 (NaN: no data), the weight after the film's FER
tier and renormalisation, the base weight, the rows used and the detail in words; ``total`` is the
character's weighted mean. The FER tier (core rule) is in ``scores.meta["fer_tier"]``. Transition
jumps come from the moments stage's state machine when ``transitions`` is given, else from the
dataset (documented in each detail).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from reelmind.core.provenance import provenance
from reelmind.core.records import DatasetTable, ScoreTable, TransitionTable
from reelmind.core.stage import RunContext, Stage

from .scoring import CharacterScore, DimensionScore, ScoringOptions, score_film
from .tables import check_inputs, transitions_from

log = logging.getLogger("reelmind.cognition.scores")

ScoresOptions = ScoringOptions


def scores_table(scores: list[CharacterScore], meta: dict) -> ScoreTable:
    rows = [(s.character, d.key, d.score, d.weight, d.name, d.base_weight, d.n, d.detail, s.total, s.lines)
            for s in scores for d in s.dimensions]
    c = list(zip(*rows)) if rows else [[]] * 10
    nan = lambda xs: np.asarray([math.nan if x is None else x for x in xs], np.float64)  # noqa: E731
    tier = meta.get("fer_tier", {}).get("tier", "")
    return ScoreTable(character=np.asarray(c[0], dtype=object), dimension=np.asarray(c[1], dtype=object), score=nan(c[2]),
                      weight=np.asarray(c[3], np.float64), name=np.asarray(c[4], dtype=object),
                      base_weight=np.asarray(c[5], np.float64), n=np.asarray(c[6], np.int64),
                      detail=np.asarray(c[7], dtype=object), fer_tier=np.asarray([tier] * len(rows), dtype=object),
                      total=nan(c[8]), lines=np.asarray(c[9], np.int64), meta=meta)


def scores_from(table: ScoreTable) -> list[CharacterScore]:
    """The ScoreTable back as per-character scores (dimension order kept)."""
    out: dict[str, tuple[list, float, int]] = {}
    fin = lambda x: None if not math.isfinite(float(x)) else float(x)  # noqa: E731
    for i in range(len(table)):
        c = str(table.character[i])
        dims, _, _ = out.setdefault(c, ([], fin(table.total[i]), int(table.lines[i])))
        dims.append(DimensionScore(str(table.dimension[i]), str(table.name[i]), fin(table.score[i]), float(table.base_weight[i]),
                                   float(table.weight[i]), int(table.n[i]), str(table.detail[i])))
    return [CharacterScore(c, total, lines, tuple(dims)) for c, (dims, total, lines) in out.items()]


def analyse_scores(ds: DatasetTable, transitions: TransitionTable | None = None, options: ScoresOptions = ScoresOptions(),
                   progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """The scores stage on one film: ``{scores}``."""
    trans = transitions_from(transitions) if transitions is not None else None
    tier, scores = score_film(ds, options, transitions=trans, progress=progress)
    meta = provenance("scores", options, dists=("numba",), fer_tier=tier.to_dict(),
                      jumps="state machine" if trans is not None else "dataset")
    log.info("scores: %d characters, FER %s", len(scores), tier.tier)
    return {"scores": scores_table(scores, meta)}


def setup(options: ScoresOptions, profile: Any):
    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        ds, tr = check_inputs("scores", inputs, {"dataset": DatasetTable, "transitions": TransitionTable}, ("transitions",))
        return analyse_scores(ds, tr, options, ctx.progress)

    return runner


STAGE = Stage(
    name="scores",
    inputs=("dataset",),
    optional_inputs=("transitions",),
    outputs=("scores",),
    options_type=ScoresOptions,
    setup=setup,
    description="6-dimension white-box performance scores (expression-text, voice, coherence, range, transition, "
                "interaction) with FER-tier weights",
)
