"""The ``prompts`` pipeline stage (entry point ``reelmind.stages: prompts``)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from reelmind.core.errors import ConfigError, RecordError
from reelmind.core.provenance import provenance
from reelmind.core.records import (DatasetTable, FaceTable, MomentTable, PersonalityTable, PersonTable,
                                   PromptFrameTable, SceneTable, SocialEdgeTable, TransitionTable, UtteranceTable)
from reelmind.core.stage import RunContext, Stage

from .engine import FilmInputs, build_prompts
from .options import PromptOptions

log = logging.getLogger("reelmind.promptgen.stage")

INPUTS: dict[str, type] = {"dataset": DatasetTable, "moments": MomentTable, "transitions": TransitionTable,
                           "scenes": SceneTable, "personality": PersonalityTable, "social": SocialEdgeTable,
                           "faces": FaceTable}
OPTIONAL: dict[str, type] = {"persons": PersonTable, "utterances": UtteranceTable}


def film_inputs(inputs: dict[str, Any]) -> FilmInputs:
    """Type-checked records (``dataset`` required; the others may be absent in library use)."""
    values: dict[str, Any] = {}
    for name, kind in {**INPUTS, **OPTIONAL}.items():
        v = inputs.get(name)
        if v is None and name != "dataset":
            continue
        if not isinstance(v, kind):
            raise RecordError("prompts inputs", name, kind.__name__, type(v).__name__)
        values[name] = v
    video = inputs.get("video")
    return FilmInputs(**values, video=Path(video) if video else None)


def load_screenplay(options: PromptOptions, llm=None):
    """(screenplay or None, one-line note when the given screenplay cannot be used)."""
    if not options.screenplay:
        return None, ""
    from .screenplay.model import ScreenplayError
    from .screenplay.readers import read_screenplay

    try:
        return read_screenplay(options.screenplay, options.ocr_min_score, llm=llm), ""
    except ScreenplayError as exc:
        return None, f"{exc.message}; prompts are pipeline-only"


def setup(options: PromptOptions, profile: Any):
    """Loads the vocabulary, knowledge base and screenplay once; the runner builds one film's prompts."""
    from .anchors import load_knowledge_base
    from .vocab import load_vocabulary

    vocab = load_vocabulary(options.language, options.vocabulary)
    kb = load_knowledge_base(options.knowledge_base) if options.knowledge_base else {}
    llm = None
    if options.llm_structure:
        from reelmind.core.llm import make_client

        llm = make_client(options.llm)
        if llm is None:
            raise ConfigError("stages.prompts.llm_structure is on but no LLM is configured",
                              "set llm.base_url in the run config, or turn llm_structure off")
    screenplay, note = load_screenplay(options, llm)
    if note:
        log.warning("%s", note)

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        f = film_inputs(inputs)
        film = f.video.name if f.video is not None else (ctx.film[:16] or "film")
        built = build_prompts(f, options, vocab, screenplay, kb, film=film, progress=ctx.progress)
        report = dict(built.report)
        degraded = ([note] if note else []) + report.pop("degraded", [])
        meta = provenance("prompts", options, dists=("pypdf", "rapidocr-onnxruntime", "av", "pillow"), tier=options.tier,
                          language=options.language, degraded=degraded, **report)
        log.info("prompts: %d keyframes", len(set(built.table.keyframe)) if len(built.table) else 0)
        return {"prompts": dataclasses.replace(built.table, meta=meta)}

    return runner


def publish(outputs: dict[str, Any], options: PromptOptions, out: Path) -> list[Path]:
    from .publish import publish_prompts

    table: PromptFrameTable = outputs["prompts"]
    return publish_prompts(table, str(table.meta.get("tier", options.tier)), out)


def check() -> list[str]:
    """Why the stage cannot run here: reference crops need PyAV and Pillow (screenplay readers are
    checked when a screenplay is given)."""
    from reelmind.core.stage import missing_modules

    return missing_modules((("av", "av"), ("PIL", "pillow"), ("yaml", "pyyaml")))


STAGE = Stage(
    name="prompts",
    inputs=tuple(INPUTS),
    optional_inputs=(*OPTIONAL, "video"),
    outputs=("prompts",),
    options_type=PromptOptions,
    setup=setup,
    publish=publish,
    check=check,
    description="keyframes -> 6-dimension video prompts traced to the analysis (zero fabrication), screenplay "
                "supplement, character anchors, ablation tiers, I2V reference crops, A2V spans",
)
