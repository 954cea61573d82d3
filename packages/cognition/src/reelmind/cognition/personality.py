"""The ``personality`` stage: OCEAN per character with its components and evidence (:mod:`.ocean`).

One row per (character, trait). Inputs: the dataset (labels, arousal, dominance), the moments
stage's transitions and short-term trends (volatility), the social stage's interactions (as actor,
for agreeableness) and, when the memory stage ran, its hotspots (else the same consolidation rule is
applied to the transitions, and the meta says so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelmind.core.provenance import provenance
from reelmind.core.records import DatasetTable, HotspotTable, PersonalityTable, SocialEdgeTable, TransitionTable, TrendTable
from reelmind.core.stage import RunContext, Stage

from .consolidator import ConsolidatorOptions, hotspots
from .ocean import TRAITS, Personality, infer_personality
from .scoring import moment_points
from .tables import check_inputs, pair_memories_from, transitions_from

log = logging.getLogger("reelmind.cognition.personality")


@dataclass(frozen=True)
class PersonalityOptions:
    hotspots: ConsolidatorOptions = field(default_factory=ConsolidatorOptions)  # when the memory stage's hotspots are absent


def personality_table(people: list[Personality], meta: dict) -> PersonalityTable:
    rows = [(p.character, k, p.traits[k].value, p.traits[k].evidence, tuple(p.traits[k].components),
             tuple(float(v) for v in p.traits[k].components.values()), p.source) for p in people for k in TRAITS]
    c = list(zip(*rows)) if rows else [[]] * 7
    return PersonalityTable(character=np.asarray(c[0], dtype=object), trait=np.asarray(c[1], dtype=object),
                            value=np.asarray(c[2], np.float64), evidence=np.asarray(c[3], dtype=object),
                            component_names=list(c[4]), component_values=list(c[5]), source=np.asarray(c[6], dtype=object),
                            meta=meta)


def personalities_from(table: PersonalityTable) -> list[Personality]:
    """The PersonalityTable back as :class:`Personality` objects (character order kept)."""
    from .ocean import Trait

    out: dict[str, dict] = {}
    source: dict[str, str] = {}
    for i in range(len(table)):
        c, k = str(table.character[i]), str(table.trait[i])
        comp = {n: float(v) for n, v in zip(table.component_names[i], table.component_values[i])}
        out.setdefault(c, {})[k] = Trait(k, float(table.value[i]), comp, str(table.evidence[i]))
        source[c] = str(table.source[i])
    return [Personality(c, traits, source[c]) for c, traits in out.items()]


def analyse_personality(ds: DatasetTable, transitions: TransitionTable, trends: TrendTable, social: SocialEdgeTable,
                        hotspot_table: HotspotTable | None = None, options: PersonalityOptions = PersonalityOptions(),
                        progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """OCEAN of every named speaker (most lines first, ties by name)."""
    counts: dict[str, int] = {}
    for c in ds.character:
        if c:
            counts[str(c)] = counts.get(str(c), 0) + 1
    chars = sorted(counts, key=lambda c: (-counts[c], c))
    trans = transitions_from(transitions)
    by_char: dict[str, list] = {}
    for t in trans:
        by_char.setdefault(t.character, []).append(t)
    vol: dict[str, list[float]] = {}
    for c, v in zip(trends.character, trends.volatility):
        vol.setdefault(str(c), []).append(float(v))
    if hotspot_table is not None:
        hot = {c: int(np.count_nonzero(hotspot_table.character == c)) for c in chars}
        hot_source = "memory stage"
    else:
        hot = {c: len(hotspots(c, by_char.get(c, []), options.hotspots)) for c in chars}
        hot_source = "consolidation rule on the transitions (memory stage not run)"
    memories = pair_memories_from(social)
    _, arousal_all = moment_points(ds)
    people = []
    for k, c in enumerate(chars):
        if progress:
            progress(k / max(len(chars), 1), f"personality {c}")
        people.append(infer_personality(c, ds, by_char.get(c, []), vol.get(c, []),
                                        hot.get(c, 0), memories, source="analysis", arousal_all=arousal_all))
    meta = provenance("personality", options, hotspots=hot_source)
    log.info("personality: %d characters", len(people))
    return {"personality": personality_table(people, meta)}


_INPUTS = {"dataset": DatasetTable, "transitions": TransitionTable, "trends": TrendTable, "social": SocialEdgeTable,
           "hotspots": HotspotTable}


def setup(options: PersonalityOptions, profile: Any):
    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        return analyse_personality(*check_inputs("personality", inputs, _INPUTS, ("hotspots",)), options, ctx.progress)

    return runner


STAGE = Stage(
    name="personality",
    inputs=("dataset", "transitions", "trends", "social"),
    optional_inputs=("hotspots",),
    outputs=("personality",),
    options_type=PersonalityOptions,
    setup=setup,
    description="OCEAN (Big Five) per character from emotions, transitions, volatility, hotspots and interactions, "
                "each trait with its components and evidence",
)
