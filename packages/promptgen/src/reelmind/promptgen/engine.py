"""The prompt engine: analysis records (+ screenplay, knowledge base) -> one traced prompt per keyframe
and tier. Pipeline data drives every dimension; a matched screenplay line adds its parenthetical
(expression), the physical action before it (body) and the scene's heading and establishing action
(atmosphere) to the full tier, unless the same screenplay text was used by the previous keyframe in
that dimension (de-duplication: the dimension falls back to pipeline data)."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.emotion import face_label
from reelmind.core.records import (PROMPT_DIMENSIONS, PROMPT_TIERS, DatasetTable, FaceTable, MomentTable,
                                   PersonalityTable, PersonTable, PromptFrameTable, SceneTable, SocialEdgeTable,
                                   TransitionTable, UtteranceTable)

from . import dimensions as dims
from .anchors import KBEntry, anchor_phrases, find_entry
from .keyframes import Keyframe, LineFacts, chapters, select_keyframes
from .options import PromptOptions
from .refs import RefFace, best_faces, crop_pngs
from .screenplay.match import MatchReport, match_lines
from .screenplay.model import Screenplay, speaker_key
from .trace import Fact, Phrase, q, render
from .vocab import Vocabulary

log = logging.getLogger("reelmind.promptgen.engine")
#: render order of a tier's dimensions
ORDER = {"full": ("anchor", *PROMPT_DIMENSIONS), "pipeline": ("anchor", *PROMPT_DIMENSIONS), "minimal": ("minimal",)}


@dataclass
class FilmInputs:
    """One film's analysis records (only ``dataset`` is required)."""

    dataset: DatasetTable
    moments: MomentTable | None = None
    transitions: TransitionTable | None = None
    scenes: SceneTable | None = None
    personality: PersonalityTable | None = None
    social: SocialEdgeTable | None = None
    faces: FaceTable | None = None
    persons: PersonTable | None = None
    utterances: UtteranceTable | None = None
    video: Path | None = None


@dataclass
class Built:
    table: PromptFrameTable
    report: dict = field(default_factory=dict)


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


class _Index:
    """Row lookups into the cognition records."""

    def __init__(self, f: FilmInputs) -> None:
        d = f.dataset
        self.moment: dict[int, int] = {}  # dataset row -> the speaker's moment (else any moment of the row)
        if f.moments is not None and len(f.moments):
            for i in range(len(f.moments)):
                r = int(f.moments.row[i])
                if not 0 <= r < len(d):
                    continue
                own = f.moments.character[i] == d.character[r]
                if r not in self.moment or (own and f.moments.character[self.moment[r]] != d.character[r]):
                    self.moment[r] = i
        self.sudden: dict[int, int] = {}
        self.transition: dict[int, int] = {}
        t = f.transitions
        if t is not None and len(t):
            for i in range(len(t)):
                r = int(t.row[i])
                if not 0 <= r < len(d) or t.character[i] != d.character[r]:
                    continue
                self.transition.setdefault(r, i)
                if t.type[i] == "SUDDEN":
                    self.sudden.setdefault(r, i)
        self.social: dict[tuple[str, str], int] = {}
        if f.social is not None:
            for i in range(len(f.social)):
                self.social.setdefault((str(f.social.source[i]), str(f.social.target[i])), i)


def _pick(f: FilmInputs, ix: _Index, r: int, field_name: str, moment_field: str | None = None) -> Fact | None:
    """The dataset's value of ``field_name`` at row ``r``, else the speaker's moment's (fused) value."""
    d = f.dataset
    col = getattr(d, field_name, None)
    if col is not None and _finite(col[r]):
        return Fact("dataset", r, field_name, q(col[r]))
    m = ix.moment.get(r)
    mcol = getattr(f.moments, moment_field or field_name, None) if f.moments is not None else None
    if m is not None and mcol is not None and _finite(mcol[m]):
        return Fact("moments", m, moment_field or field_name, q(mcol[m]))
    return None


def _emotion(f: FilmInputs, ix: _Index, r: int) -> Fact | None:
    """Face emotion (FER) of the line, else its text emotion, else the fused moment emotion."""
    d = f.dataset
    for name in ("face_emotion", "text_emotion"):
        col = getattr(d, name)
        if col is not None and face_label(col[r]):
            return Fact("dataset", r, name, str(col[r]))
    m = ix.moment.get(r)
    if m is not None and f.moments is not None and f.moments.emotion is not None and face_label(f.moments.emotion[m]):
        return Fact("moments", m, "emotion", str(f.moments.emotion[m]))
    return None


def line_facts(f: FilmInputs, ix: _Index, r: int, surprise: str = "surprise") -> dict[str, Fact | None]:
    """The named inputs of the six dimensions at dataset row ``r`` (``surprise``: the moments /
    transitions column read as the LSTM surprise)."""
    d = f.dataset
    text = str(d.dialogue[r])
    listeners = tuple(d.listener[r]) if d.listener is not None else ()
    out: dict[str, Fact | None] = {
        "emotion": _emotion(f, ix, r),
        "arousal": _pick(f, ix, r, "arousal"),
        "valence": _pick(f, ix, r, "valence"),
        "dominance": _pick(f, ix, r, "dominance"),
        "words": Fact("dataset", r, "words", dims.word_count(text)),
        "dialogue": Fact("dataset", r, "dialogue", text),
        "listeners": Fact("dataset", r, "listeners", len(listeners)),
        "listener": Fact("dataset", r, "listener", str(listeners[0])) if listeners else None,
        "circle": None, "intimacy": None, "surprise": None,
    }
    if listeners:
        e = ix.social.get((str(d.character[r]), str(listeners[0])))
        if e is not None and f.social is not None:
            out["circle"] = Fact("social", e, "circle", str(f.social.circle[e]))
            out["intimacy"] = Fact("social", e, "intimacy", q(f.social.intimacy[e]))
    m = ix.moment.get(r)
    mcol = getattr(f.moments, surprise, None) if f.moments is not None else None
    tcol = getattr(f.transitions, surprise, None) if f.transitions is not None else None
    if m is not None and mcol is not None and _finite(mcol[m]):
        out["surprise"] = Fact("moments", m, surprise, q(mcol[m]))
    elif r in ix.transition and tcol is not None and _finite(tcol[ix.transition[r]]):
        out["surprise"] = Fact("transitions", ix.transition[r], surprise, q(tcol[ix.transition[r]]))
    return out


def pipeline_phrases(facts: dict[str, Fact | None], vocab: Vocabulary, o: dims.DimensionOptions) -> list[Phrase]:
    """The six dimensions from pipeline data alone."""
    out: list[Phrase] = []
    for name in PROMPT_DIMENSIONS:
        out += dims.FUNCTIONS[name](vocab, o, **facts)
    return out


def _words_of(text: str) -> str:
    return re.sub(r"^[\(（]\s*|\s*[\)）]$", "", text.strip())


def screenplay_phrases(sp: Screenplay, speech_index: int) -> list[Phrase]:
    """What a matched speech adds: parenthetical -> expression, physical action -> body, heading and
    establishing action -> atmosphere. Each cites its screenplay element."""
    s = sp.speeches[speech_index]
    out: list[Phrase] = []

    def cite(e) -> tuple[Fact, ...]:
        return (Fact("screenplay", e.scene, "kind", e.kind, e.line),)

    if s.parenthetical is not None and _words_of(s.parenthetical.text):
        out.append(Phrase(_words_of(s.parenthetical.text), "expression", "screenplay:parenthetical", cite(s.parenthetical)))
    establishing = sp.establishing(s.scene)
    if s.action is not None and s.action != establishing:
        out.append(Phrase(s.action.text, "body", "screenplay:action", cite(s.action)))
    head = sp.heading(s.scene)
    if head is not None and (head.location or head.time):
        text = ", ".join(x for x in (head.location.lower(), head.time.lower()) if x)
        out.append(Phrase(text, "atmosphere", "screenplay:heading", cite(head.element)))
    if establishing is not None:
        out.append(Phrase(establishing.text, "atmosphere", "screenplay:environment", cite(establishing)))
    return out


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")
    return s[:40] or "character"


def build_prompts(f: FilmInputs, options: PromptOptions, vocab: Vocabulary, screenplay: Screenplay | None = None,
                  kb: dict[str, KBEntry] | None = None, film: str = "",
                  progress: Callable[[float, str], None] | None = None) -> Built:
    """Keyframes -> prompt frames (one row per keyframe and tier) with their trace."""
    progress = progress or (lambda frac, msg: None)
    d = f.dataset
    kb = kb or {}
    ix = _Index(f)
    order = sorted(range(len(d)), key=lambda r: (float(d.start_time[r]), r))
    report: dict = {"degraded": []}

    # keyframes
    starts = np.asarray(f.scenes.start, dtype=np.float64) if f.scenes is not None and len(f.scenes) else None
    chapter_of = chapters(np.asarray(d.start_time)[order], starts, options.keyframes.chapter_span)
    lines = []
    for r in order:
        fa = line_facts(f, ix, r, options.surprise)
        lines.append(LineFacts(r, float(d.start_time[r]), str(d.dialogue[r]),
                               float(fa["arousal"].value) if fa["arousal"] else math.nan,
                               float(fa["surprise"].value) if fa["surprise"] else math.nan,
                               r in ix.sudden, bool(d.conflict[r]) if d.conflict is not None else False))
    keyframes, report["keyframes"] = select_keyframes(lines, chapter_of, vocab, options.keyframes)
    report["chapters_from"] = "scenes" if starts is not None else f"fixed {options.keyframes.chapter_span:g} s spans"
    progress(0.2, f"{len(keyframes)} keyframes")

    # screenplay
    match: MatchReport | None = None
    if screenplay is not None:
        match = match_lines([str(d.dialogue[r]) for r in order], order, [str(d.character[r]) for r in order],
                            screenplay, options.matching)
        report["screenplay"] = {"source": Path(screenplay.source).name, "format": screenplay.format,
                                "scenes": screenplay.scene_count, "speeches": len(screenplay.speeches), **match.summary()}
        if match.hit_rate < options.matching.min_hit_rate:
            report["degraded"].append(
                f"screenplay {Path(screenplay.source).name} matched {match.hit} of {match.lines} lines (hit rate "
                f"{match.hit_rate:.0%} < {options.matching.min_hit_rate:.0%}): not this film's screenplay, or in another "
                f"language; prompts are pipeline-only")
            match = None
    progress(0.4, "screenplay matched" if match else "no screenplay")

    # characters: anchors and reference crops
    cast_of: dict[str, tuple[str, ...]] = {}
    if match is not None:
        for name, film_char in match.cast.items():
            cast_of[film_char] = (*cast_of.get(film_char, ()), name)
    characters = sorted({str(d.character[k.row]) for k in keyframes})
    anchors = {c: anchor_phrases(c, find_entry(kb, c, cast_of.get(c, ())), f.personality, vocab, options.dimensions)
               for c in characters}
    refs = best_faces(f.faces, f.persons)
    wanted = sorted({int(d.person_id[k.row]) for k in keyframes if d.person_id is not None and int(d.person_id[k.row]) in refs})
    pngs: dict[int, bytes] = {}
    if wanted and f.video is not None:
        pngs = crop_pngs(f.video, [refs[p] for p in wanted], options.crop_margin, options.crop_max_side)
    elif wanted:
        report["degraded"].append("no video given: prompts have no I2V reference crops")
    progress(0.6, f"{len(pngs)} reference crops")

    audio_source = "mix"
    if f.utterances is not None and str((f.utterances.meta.get("options") or {}).get("separation", "none")) not in ("none", ""):
        audio_source = "vocals"

    table_rows: dict[str, list] = {k: [] for k in ROW_FIELDS}
    last_sp: dict[str, str] = {}  # screenplay rule -> the text the previous keyframe used (de-duplication)
    dedup: list[str] = []
    lengths: dict[str, list[int]] = {t: [] for t in PROMPT_TIERS}
    for n, k in enumerate(keyframes):
        r = k.row
        facts = line_facts(f, ix, r, options.surprise)
        base = anchors.get(str(d.character[r]), []) + pipeline_phrases(facts, vocab, options.dimensions)
        m = match.matches.get(r) if match is not None else None
        used = m if m is not None and m.used else None
        extra: list[Phrase] = []
        for p in screenplay_phrases(screenplay, used.speech) if used is not None else []:
            if last_sp.get(p.rule) == p.text:
                dedup.append(f"keyframe {n} {p.dimension} ({p.rule}): same screenplay text as the previous keyframe; "
                             "pipeline data only")
                continue
            last_sp[p.rule] = p.text
            extra.append(p)
        tiers = {"full": _ordered(base + extra), "pipeline": _ordered(base),
                 "minimal": dims.emotion_label(vocab, options.dimensions, emotion=facts["emotion"])}
        pid = int(d.person_id[r]) if d.person_id is not None else -1
        ref = refs.get(pid) if pngs.get(pid) else None
        speech = screenplay.speeches[used.speech] if used is not None else None
        for tier in PROMPT_TIERS:
            positive = render(tiers[tier], ORDER[tier], vocab.data["templates"])
            lengths[tier].append(len(positive))
            _append(table_rows, tiers[tier], vocab, film=film, chapter=k.chapter, start=float(d.start_time[r]),
                    end=float(d.end_time[r]), character=str(d.character[r]), positive=positive,
                    negative=vocab.template("negative"), tier=tier, keyframe=n, person_id=pid, rows=(r,), score=k.score,
                    rules=k.rules, emotion=face_label(str(facts["emotion"].value)) if facts["emotion"] else "",
                    dialogue=str(d.dialogue[r]),
                    ref_image=f"prompts/refs/{_slug(str(d.character[r]))}_{pid}.png" if ref else "",
                    ref_time=ref.time if ref else math.nan, ref_box=ref.box if ref else (math.nan,) * 4,
                    ref_png=pngs[pid] if ref else b"", audio_start=float(d.start_time[r]),
                    audio_end=float(d.end_time[r]), audio_source=audio_source,
                    screenplay_scene=speech.scene if speech else -1, screenplay_line=speech.line if speech else -1,
                    match_score=used.score if used is not None else math.nan)
    report["ablation"] = {t: {"mean_length": round(float(np.mean(v)), 1) if v else 0.0, "prompts": len(v)}
                          for t, v in lengths.items()}
    report["dedup"] = dedup
    no_ref = sum(1 for k in keyframes if not pngs.get(int(d.person_id[k.row]) if d.person_id is not None else -1))
    report["references"] = {"crops": len(pngs), "keyframes_without_crop": no_ref}
    progress(0.9, f"{len(keyframes)} prompts x {len(PROMPT_TIERS)} tiers")
    return Built(_table(table_rows), report)


def _append(table: dict[str, list], phrases: list[Phrase], vocab: Vocabulary, **values) -> None:
    """One prompt frame row: the given values, each dimension's text and the trace of ``phrases``."""
    for key, value in values.items():
        table[key].append(value)
    for dim in ("anchor", *PROMPT_DIMENSIONS):
        table[dim].append(vocab.template("join").join(p.text for p in phrases if p.dimension == dim))
    table["trace_phrase"].append(tuple(p.text for p in phrases))
    table["trace_dimension"].append(tuple(p.dimension for p in phrases))
    table["trace_source"].append(tuple(p.source for p in phrases))
    table["trace_rule"].append(tuple(p.rule for p in phrases))


def _ordered(phrases: list[Phrase]) -> list[Phrase]:
    """Phrases grouped by dimension in prompt order (stable inside a dimension)."""
    rank = {d: i for i, d in enumerate(("anchor", *PROMPT_DIMENSIONS))}
    return sorted(phrases, key=lambda p: rank.get(p.dimension, len(rank)))


ROW_FIELDS = ("film", "chapter", "start", "end", "character", "positive", "negative", "tier", "keyframe", "person_id",
              "rows", "score", "rules", "emotion", "dialogue", "anchor", *PROMPT_DIMENSIONS, "trace_phrase",
              "trace_dimension", "trace_source", "trace_rule", "ref_image", "ref_time", "ref_box", "ref_png",
              "audio_start", "audio_end", "audio_source", "screenplay_scene", "screenplay_line", "match_score")


def _table(rows: dict[str, list]) -> PromptFrameTable:
    n = len(rows["film"])
    cols = {}
    for k, v in rows.items():
        if k == "ref_box":
            cols[k] = np.array(v, dtype=np.float32).reshape(n, 4)
        elif k in ("rows", "rules", "trace_phrase", "trace_dimension", "trace_source", "trace_rule", "ref_png"):
            arr = np.empty(n, dtype=object)
            arr[:] = v
            cols[k] = arr
        else:
            cols[k] = v
    return PromptFrameTable(**cols)
