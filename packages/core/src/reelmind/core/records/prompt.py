"""Prompt and video records: one traced video prompt per keyframe (promptgen), generated clips
(videogen), and rendered documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..table import Table, column
from ._checks import check_times as _check_times

#: The six prompt dimensions, in prompt order.
PROMPT_DIMENSIONS: tuple[str, ...] = ("expression", "body", "atmosphere", "composition", "camera", "dialogue_action")
#: Ablation tiers, richest first.
PROMPT_TIERS: tuple[str, ...] = ("full", "pipeline", "minimal")


@dataclass(frozen=True, eq=False, repr=False)
class PromptFrameTable(Table):
    """One keyframe's video prompt. Every phrase has a source (``trace_*`` columns, same length):
    ``dataset:row 37 arousal=0.82``, ``screenplay:scene 12 line 4``, ``social:A→B intimate 0.81``,
    ``personality:N=0.72`` or ``template`` for fixed wording."""

    RECORD: ClassVar[str] = "prompt_frames"
    film: np.ndarray = column("str")
    chapter: np.ndarray = column("i8")
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    character: np.ndarray = column("str")
    positive: np.ndarray = column("str", doc="the final positive prompt")
    negative: np.ndarray = column("str", required=False)
    tier: np.ndarray = column("str", required=False, doc="PROMPT_TIERS")
    keyframe: np.ndarray = column("i8", required=False, doc="index of the keyframe in the film")
    person_id: np.ndarray = column("i8", required=False)
    rows: np.ndarray = column("list_i8", required=False, doc="dataset rows this keyframe rests on")
    score: np.ndarray = column("f4", required=False, doc="keyframe score")
    rules: np.ndarray = column("list_str", required=False, doc="keyframe rules that fired")
    emotion: np.ndarray = column("str", required=False)
    dialogue: np.ndarray = column("str", required=False)
    anchor: np.ndarray = column("str", required=False, doc="the character's visual-consistency prefix")
    expression: np.ndarray = column("str", required=False)
    body: np.ndarray = column("str", required=False)
    atmosphere: np.ndarray = column("str", required=False)
    composition: np.ndarray = column("str", required=False)
    camera: np.ndarray = column("str", required=False)
    dialogue_action: np.ndarray = column("str", required=False)
    trace_phrase: np.ndarray = column("list_str", required=False)
    trace_dimension: np.ndarray = column("list_str", required=False)
    trace_source: np.ndarray = column("list_str", required=False)
    trace_rule: np.ndarray = column("list_str", required=False, doc="the rule that chose each phrase: vocab:<key>, "
                                    "verbatim:<field>, template:<name>, screenplay:<element>")
    ref_image: np.ndarray = column("str", required=False, doc="I2V reference crop, relative to the run folder")
    ref_time: np.ndarray = column("f8", required=False, doc="frame time of the reference crop")
    ref_box: np.ndarray = column("f4", (4,), required=False, doc="face box of the reference crop in the frame (x1, y1, x2, y2)")
    ref_png: np.ndarray = column("bytes", required=False, doc="the reference crop as PNG")
    audio_start: np.ndarray = column("f8", required=False, doc="A2V audio span")
    audio_end: np.ndarray = column("f8", required=False)
    audio_source: np.ndarray = column("str", required=False, doc="vocals | mix")
    screenplay_scene: np.ndarray = column("i8", required=False)
    screenplay_line: np.ndarray = column("i8", required=False)
    match_score: np.ndarray = column("f4", required=False)

    def validate(self) -> None:
        _check_times(self, self.start, self.end)

    def one_tier(self, tier: str | None = None) -> "PromptFrameTable":
        """The rows of one ablation tier: ``tier``, else the tier the prompts stage was asked for
        (``meta['tier']``, default 'full'). A table without tier labels is returned whole."""
        if not len(self) or not any(self.tier):
            return self
        want = tier or str(self.meta.get("tier") or "full")
        return self.take(np.flatnonzero(self.tier == want))


@dataclass(frozen=True, eq=False, repr=False)
class DocumentTable(Table):
    """Rendered files (reports, prompt sheets, images): a stage returns them as a record, its publish
    step writes them under the run folder at ``name``."""

    RECORD: ClassVar[str] = "documents"
    name: np.ndarray = column("str", doc="relative path, e.g. 'report/report.md'")
    data: np.ndarray = column("bytes")
    media_type: np.ndarray = column("str", required=False, doc="e.g. text/markdown, image/png")

    def validate(self) -> None:
        from pathlib import PurePosixPath

        from ..errors import RecordError

        for name in self.name:
            p = PurePosixPath(name)
            if not name or p.is_absolute() or ".." in p.parts or "\\" in name:
                raise RecordError("DocumentTable", "name", "a relative path inside the run folder", repr(name))

    def text(self, name: str) -> str:
        """The document ``name`` decoded as UTF-8."""
        i = list(self.name).index(name)
        return self.data[i].decode("utf-8")


@dataclass(frozen=True, eq=False, repr=False)
class ClipTable(Table):
    """Generated clips. ``graph`` is the API-format graph that was queued (JSON), ``data`` the file."""

    RECORD: ClassVar[str] = "clips"
    kind: np.ndarray = column("str", doc="clip | repeat | arc")
    name: np.ndarray = column("str", doc="file name under videos/")
    keyframe: np.ndarray = column("i8", required=False)
    character: np.ndarray = column("str", required=False)
    start: np.ndarray = column("f8", required=False)
    emotion: np.ndarray = column("str", required=False, doc="intended emotion (prompt frame)")
    mode: np.ndarray = column("str", required=False)
    profile: np.ndarray = column("str", required=False)
    seed: np.ndarray = column("i8", required=False)
    graph_hash: np.ndarray = column("str", required=False)
    prompt_id: np.ndarray = column("str", required=False)
    width: np.ndarray = column("i8", required=False)
    height: np.ndarray = column("i8", required=False)
    frames: np.ndarray = column("i8", required=False)
    clamped: np.ndarray = column("bool", required=False)
    seconds: np.ndarray = column("f8", required=False, doc="wall time of the job")
    md5: np.ndarray = column("str", required=False, doc="MD5 of the raw decoded frames")
    dominant: np.ndarray = column("str", required=False, doc="dominant face emotion found by the faces stage")
    status: np.ndarray = column("str", required=False)
    graph: np.ndarray = column("str", required=False)
    data: np.ndarray = column("bytes", required=False)
