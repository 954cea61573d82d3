"""Relationship influence: interaction events from the fused dataset, major-event detection.

Every utterance with listeners yields, for each listener L of speaker S, two directed
interaction events (link ``i -> j`` = how close ``i`` holds ``j``):

* ``L -> S`` (L hears S): ``raw = gain * (familiarity + v_speech * event_multiplier)``
* ``S -> L`` (S sees L's reaction): ``raw = gain * (familiarity + v_reaction)``

``v_speech`` is the speaker's valence (mean of the text-emotion circumplex valence and the
measured voice valence, whichever exist); ``v_reaction`` the circumplex valence of L's face
(0 if unseen). Contact alone brings people closer (``familiarity``); a major event found in
the line (bilingual patterns below) multiplies the emotional part and, when it has an intrinsic
sign, forces it: ``v = sign * max(|v|, 0.5)`` - a betrayal always hurts.
Closeness amplification (intimate 3x, close 2x, friends 1.3x, others 1x) is applied by the
Dunbar graph at the moment the event happens, from the receiver's current circle of the actor.
Positive / negative interactions (``v`` beyond +-0.1) are counted per directed pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from reelmind.core.emotion import valence_of
from reelmind.core.records import DatasetTable


@dataclass(frozen=True)
class MajorEvent:
    """A kind of relationship-changing line: multiplier, intrinsic sign, English + Chinese regexes."""

    name: str
    multiplier: float
    sign: int  # +1 positive, -1 negative, 0 = take the sign of the line's valence
    pattern_en: str
    pattern_zh: str

    def matches(self, text: str) -> bool:
        return bool(re.search(self.pattern_en, text, re.IGNORECASE) or re.search(self.pattern_zh, text))


#: Ordered by multiplier; the first (strongest) match wins.
MAJOR_EVENTS: tuple[MajorEvent, ...] = (
    MajorEvent("betrayal", 3.0, -1, r"\bbetray\w*|\btraitor\w*|\bdouble[- ]?cross\w*|\bstab\w* (me|us) in the back|\blied to (me|us)\b",
               r"背叛|出賣|出卖|叛徒|騙了我|骗了我"),
    MajorEvent("sacrifice", 3.0, +1, r"\bsacrific\w*|\bgive (up )?my life\b|\bdie for (you|him|her|them)\b|\btake the blame\b",
               r"犧牲|牺牲|捨命|舍命|為你而死|为你而死"),
    MajorEvent("confession", 2.5, +1, r"\bi love you\b|\bconfess\w*|\bthe truth is\b|\bi('ve| have) always loved\b",
               r"我愛你|我爱你|告白|表白|坦白"),
    MajorEvent("rescue", 2.5, +1, r"\bsaved? (my|your|his|her) life\b|\brescu\w*",
               r"救了|救命恩人"),
    MajorEvent("threat", 2.0, -1, r"\bi('ll| will) kill\b|\bthreat\w*|\byou('ll| will) (pay|regret)\b",
               r"殺了你|杀了你|威脅|威胁|你會後悔|你会后悔"),
    MajorEvent("forgiveness", 2.0, +1, r"\bi forgive\b|\bforgiven\b|\bforgiveness\b",
               r"原諒你|原谅你|饒恕|饶恕"),
    MajorEvent("apology", 1.5, +1, r"\bi'?m sorry\b|\bi am sorry\b|\bapologi[sz]\w*|\bforgive me\b",
               r"對不起|对不起|抱歉|請原諒|请原谅"),
    MajorEvent("insult", 1.5, -1, r"\bi hate you\b|\bfool\b|\bidiot\b|\bdespise\b|\bcoward\b",
               r"恨你|笨蛋|白痴|白癡|懦夫|滾開|滚开"),
    MajorEvent("gratitude", 1.5, +1, r"\bthank(s| you)\b|\bgrateful\b",
               r"謝謝|谢谢|感激|多謝|多谢"),
    MajorEvent("farewell", 1.5, 0, r"\bgood-?bye\b|\bfarewell\b|\bi('m| am) leaving\b",
               r"再見|再见|永別|永别|告別|告别"),
)


def detect_event(text: str, events: tuple[MajorEvent, ...] = MAJOR_EVENTS) -> MajorEvent | None:
    """The strongest major event named by a line (English or Chinese), or None."""
    for ev in events:
        if ev.matches(text or ""):
            return ev
    return None


@dataclass(frozen=True)
class InfluenceOptions:
    gain: float = 0.1  # intimacy change per unit of (familiarity + valence)
    familiarity: float = 0.5  # contact alone brings people closer by gain * familiarity
    polarity_band: float = 0.1  # |v| <= band counts as a neutral interaction
    amplification: tuple[float, ...] = field(default=(3.0, 2.0, 1.3, 1.0, 1.0))  # per circle


@dataclass(frozen=True)
class InteractionEvents:
    """Directed interaction events sorted by time (``receiver -> actor`` links)."""

    names: tuple[str, ...]
    time: np.ndarray  # f8 seconds
    receiver: np.ndarray  # i8 index into names
    actor: np.ndarray  # i8
    raw: np.ndarray  # f8 impact before closeness amplification
    valence: np.ndarray  # f8 effective valence of the interaction
    event: np.ndarray  # object: major event name or ''
    row: np.ndarray  # i8 dataset row that caused it
    text: np.ndarray  # object: the line

    def __len__(self) -> int:
        return len(self.time)


def speech_valence(dataset: DatasetTable) -> np.ndarray:
    """Per row: mean of text-label valence and measured voice valence (NaN if neither)."""
    text_v = valence_of(dataset.text_emotion)
    voice_v = np.asarray(dataset.valence, dtype=np.float64)
    both = np.vstack([text_v, voice_v])
    with np.errstate(invalid="ignore"):
        count = np.isfinite(both).sum(axis=0)
        total = np.nansum(both, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def interaction_events(dataset: DatasetTable, options: InfluenceOptions = InfluenceOptions()) -> InteractionEvents:
    """Build the directed interaction events of a film (deterministic order: time, row, listener)."""
    order = np.lexsort((np.arange(len(dataset)), dataset.start_time))
    sv = speech_valence(dataset)
    names: dict[str, int] = {}
    for c in sorted({str(c) for c in dataset.character if c} | {p.strip() for cell in dataset.listener for p in cell if p.strip()}):
        names[c] = len(names)
    rows: list[tuple] = []
    g, fam = options.gain, options.familiarity
    for r in order:
        speaker = str(dataset.character[r])
        listeners = [p.strip() for p in dataset.listener[r]]
        if not speaker or not any(listeners):
            continue
        reactions = [p.strip() for p in dataset.listener_emotion[r]]
        text = str(dataset.dialogue[r])
        ev = detect_event(text)
        v = float(sv[r]) if np.isfinite(sv[r]) else 0.0
        mult = 1.0
        if ev is not None:
            mult = ev.multiplier
            if ev.sign:
                v = ev.sign * max(abs(v), 0.5)
        t = float(dataset.start_time[r])
        for k, lis in enumerate(listeners):
            if not lis or lis == speaker:
                continue
            rows.append((t, names[lis], names[speaker], g * (fam + v * mult), v, ev.name if ev else "", r, text))
            react = reactions[k] if k < len(reactions) else ""
            rv = valence_of([react])[0]
            rv = float(rv) if np.isfinite(rv) else 0.0
            rows.append((t, names[speaker], names[lis], g * (fam + rv), rv, "", r, text))
    cols = list(zip(*rows)) if rows else [[]] * 8
    return InteractionEvents(
        names=tuple(names),
        time=np.asarray(cols[0], dtype=np.float64),
        receiver=np.asarray(cols[1], dtype=np.int64),
        actor=np.asarray(cols[2], dtype=np.int64),
        raw=np.asarray(cols[3], dtype=np.float64),
        valence=np.asarray(cols[4], dtype=np.float64),
        event=np.asarray(cols[5], dtype=object),
        row=np.asarray(cols[6], dtype=np.int64),
        text=np.asarray(cols[7], dtype=object),
    )


@dataclass(frozen=True)
class PairMemory:
    """Cumulative interaction memory of one directed pair."""

    receiver: str
    actor: str
    positive: int
    negative: int
    neutral: int
    impact: float  # sum of applied (amplified) intimacy changes
    events: dict[str, int]  # major events by name

    @property
    def polarity(self) -> float:
        """(positive - negative) / interactions, in -1..1."""
        n = self.positive + self.negative + self.neutral
        return (self.positive - self.negative) / n if n else 0.0


def pair_memories(ev: InteractionEvents, applied: np.ndarray, band: float = 0.1) -> list[PairMemory]:
    """Cumulative positive / negative tracking per directed pair (sorted by receiver, actor)."""
    acc: dict[tuple[int, int], list] = {}
    for k in range(len(ev)):
        key = (int(ev.receiver[k]), int(ev.actor[k]))
        a = acc.setdefault(key, [0, 0, 0, 0.0, {}])
        v = ev.valence[k]
        a[0 if v > band else 1 if v < -band else 2] += 1
        a[3] += float(applied[k])
        if ev.event[k]:
            a[4][ev.event[k]] = a[4].get(ev.event[k], 0) + 1
    out = [PairMemory(ev.names[i], ev.names[j], a[0], a[1], a[2], a[3], dict(sorted(a[4].items())))
           for (i, j), a in acc.items()]
    return sorted(out, key=lambda p: (p.receiver, p.actor))
