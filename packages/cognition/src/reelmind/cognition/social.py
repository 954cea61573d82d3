"""The ``social`` stage: fused dataset -> directed relationships (Dunbar circles), migrations, influence.

Interaction events come from the lines with listeners (:mod:`.influence`: familiarity, speech and
reaction valence, bilingual major events); the Dunbar graph applies them in time order with decay,
closeness amplification and capacity-limited circles (:mod:`.dunbar`). Outputs: one row per
directed link that ever mattered (``source -> target`` = how close source holds target, with its
interaction memory), every circle migration with its trigger, and every interaction event with
the intimacy change it actually applied. ``social.meta["nodes"]`` lists every person, in index order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.provenance import provenance
from reelmind.core.records import DatasetTable, InfluenceEventTable, MigrationTable, SocialEdgeTable
from reelmind.core.stage import RunContext, Stage

from .dunbar import CIRCLES, STRANGER, DunbarGraph, DunbarOptions, run_dunbar
from .influence import interaction_events
from .tables import check_inputs

log = logging.getLogger("reelmind.cognition.social")

#: The stage's options: the Dunbar graph's (decay, thresholds, capacities) with the influence rules nested.
SocialOptions = DunbarOptions


def edges_table(graph: DunbarGraph, meta: dict) -> SocialEdgeTable:
    """Directed links with intimacy > 0, a circle closer than stranger, or any interaction."""
    mem = {(m.receiver, m.actor): m for m in graph.memories}
    names = graph.names
    rows = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j:
                continue
            m = mem.get((a, b))
            if graph.intimacy[i, j] <= 0 and graph.circle[i, j] == STRANGER and m is None:
                continue
            rows.append((a, b, float(graph.intimacy[i, j]), CIRCLES[graph.circle[i, j]].upper(),
                         m.positive if m else 0, m.negative if m else 0, m.neutral if m else 0, m.impact if m else 0.0,
                         tuple(f"{k}:{v}" for k, v in m.events.items()) if m else ()))
    c = list(zip(*rows)) if rows else [[]] * 9
    return SocialEdgeTable(source=np.asarray(c[0], dtype=object), target=np.asarray(c[1], dtype=object),
                           intimacy=np.asarray(c[2], np.float64), circle=np.asarray(c[3], dtype=object),
                           positive=np.asarray(c[4], np.int64), negative=np.asarray(c[5], np.int64),
                           neutral=np.asarray(c[6], np.int64), impact=np.asarray(c[7], np.float64), events=list(c[8]),
                           meta={**meta, "nodes": list(names)})


def analyse_social(ds: DatasetTable, options: SocialOptions = SocialOptions(),
                   progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """The social stage on one film: ``{social, migrations, influence}`` tables."""
    events = interaction_events(ds, options.influence)
    graph = run_dunbar(events, options, progress)
    meta = provenance("social", options, dists=("numba",))
    migs = graph.migrations
    migrations = MigrationTable(
        time=np.asarray([m.time for m in migs], np.float64), source=np.asarray([m.source for m in migs], dtype=object),
        target=np.asarray([m.target for m in migs], dtype=object),
        from_circle=np.asarray([m.from_circle.upper() for m in migs], dtype=object),
        to_circle=np.asarray([m.to_circle.upper() for m in migs], dtype=object),
        intimacy=np.asarray([m.intimacy for m in migs], np.float64), trigger=np.asarray([m.trigger for m in migs], dtype=object),
        meta=meta)
    names = np.asarray(events.names, dtype=object)
    influence = InfluenceEventTable(
        time=events.time, receiver=names[events.receiver] if len(events) else np.empty(0, object),
        actor=names[events.actor] if len(events) else np.empty(0, object), row=events.row, event=events.event,
        valence=events.valence, raw=events.raw, applied=graph.applied, text=events.text, meta=meta)
    log.info("social: %d people, %d interaction events, %d migrations", len(names), len(events), len(migs))
    return {"social": edges_table(graph, meta), "migrations": migrations, "influence": influence}


def setup(options: SocialOptions, profile: Any):
    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        (ds,) = check_inputs("social", inputs, {"dataset": DatasetTable})
        return analyse_social(ds, options, ctx.progress)

    return runner


def publish(outputs: dict[str, Any], options: SocialOptions, out: Path) -> list[Path]:
    """social.csv: the directed links (source holds target at intimacy, circle), for spreadsheets."""
    from reelmind.core.atomic import write_text
    from reelmind.core.csv_export import csv_text

    t = outputs["social"]
    cols = ("source", "target", "intimacy", "circle", "positive", "negative", "neutral", "impact", "events")
    rows = zip(*(t.columns()[c] for c in cols))
    return [write_text(Path(out) / "social.csv", csv_text(cols, rows))]


STAGE = Stage(
    name="social",
    inputs=("dataset",),
    outputs=("social", "migrations", "influence"),
    options_type=SocialOptions,
    setup=setup,
    publish=publish,
    description="interaction events with major-event detection -> directed Dunbar circles with decay and "
                "closeness amplification, migration log, influence events",
)
