"""Film utterances -> screenplay speeches: fuzzy text match in a window around the expected position
(linear in the film's length, whatever the script's), then speaker verification against the cast
mapping the matches themselves establish (the misattribution guard).

Text is compared after folding case and dropping spaces and punctuation (OCR often loses spaces),
with :class:`difflib.SequenceMatcher` (ratio >= ``threshold``), computed only for the few speeches of the window that share most
character trigrams with the line (a cheap set intersection ranks the window first). An utterance may also match part of a long speech
(ASR splits speeches) or a speech and the next one together (ASR merges them).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .model import Screenplay, speaker_key

log = logging.getLogger("reelmind.promptgen.screenplay.match")
_KEEP = re.compile(r"[\W_]+", re.UNICODE)
MISATTRIBUTION = ("reject", "lower")


@dataclass
class MatchOptions:
    """Screenplay matching (config keys under ``stages.prompts.matching``)."""

    threshold: float = 0.6  # SequenceMatcher ratio needed
    window_back: int = 10  # speeches before the expected position searched
    window_ahead: int = 40  # speeches after it
    gate: float = 0.2  # trigram overlap below this skips the ratio (a pair that cannot reach the threshold)
    candidates: int = 6  # the ratio is computed for the speeches of the window sharing most trigrams
    misattribution: str = "reject"  # reject | lower: what a match whose speaker contradicts the film gets
    lower_factor: float = 0.5  # score factor of a contradicted match under "lower" (then kept if >= threshold)
    min_hit_rate: float = 0.2  # below: not this film's screenplay (or another language); not used
    min_chars: int = 6  # lines with fewer letters/digits (ASR fragments: "I", "day,") are not matched nor counted

    def __post_init__(self) -> None:
        if self.misattribution not in MISATTRIBUTION:
            from reelmind.core.errors import ConfigError

            raise ConfigError(f"matching.misattribution must be one of {', '.join(MISATTRIBUTION)}, got {self.misattribution!r}")


def fold(text: str) -> str:
    """Text as compared: lower case, no spaces, no punctuation."""
    return _KEEP.sub("", str(text).casefold())


def _grams(s: str) -> frozenset[str]:
    return frozenset(s[i:i + 3] for i in range(max(1, len(s) - 2)))


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def partial_ratio(short: str, long: str) -> float:
    """Best ratio of ``short`` against a same-length window of ``long`` placed at one of the longest
    matching blocks."""
    best = 0.0
    n = len(short)
    blocks = SequenceMatcher(None, short, long, autojunk=False).get_matching_blocks()
    for blk in sorted(blocks, key=lambda b: -b.size)[:3]:  # anchored at the three longest common runs
        start = max(0, min(blk.b - blk.a, len(long) - n))
        best = max(best, _ratio(short, long[start:start + n]))
    return best


@dataclass(frozen=True)
class LineMatch:
    """One film line (dataset ``row``) and its screenplay speech (``speech`` -1 = none)."""

    row: int
    speech: int = -1
    score: float = 0.0
    status: str = "none"  # matched | unverified | misattributed | none
    speaker: str = ""  # the screenplay's speaker
    character: str = ""  # the film's speaker

    @property
    def used(self) -> bool:
        return self.status in ("matched", "unverified")


@dataclass
class MatchReport:
    matches: dict[int, LineMatch]  # dataset row -> match
    cast: dict[str, str]  # screenplay speaker (folded) -> film character
    lines: int  # film lines long enough to match
    hit: int
    misattributed: list[LineMatch] = field(default_factory=list)
    too_short: int = 0  # film lines left out (fewer than min_chars letters and digits)

    @property
    def hit_rate(self) -> float:
        return self.hit / self.lines if self.lines else 0.0

    def summary(self) -> dict:
        return {"lines": self.lines, "matched": self.hit, "hit_rate": round(self.hit_rate, 4), "too_short": self.too_short,
                "misattributed": [{"row": m.row, "screenplay_speaker": m.speaker, "film_speaker": m.character,
                                   "score": round(m.score, 3)} for m in self.misattributed],
                "cast": dict(sorted(self.cast.items()))}


class _Speeches:
    def __init__(self, screenplay: Screenplay) -> None:
        self.items = screenplay.speeches
        self.text = [fold(s.text) for s in self.items]
        self.grams = [_grams(t) for t in self.text]

    def overlap(self, ug: frozenset[str], j: int) -> float:
        """Share of the shorter text's character trigrams found in the other (the cheap pre-filter)."""
        g = self.grams[j]
        return len(ug & g) / max(1, min(len(ug), len(g)))

    def score(self, u: str, ug: frozenset[str], j: int, threshold: float, gate: float) -> tuple[float, bool]:
        """(score, partial) of utterance ``u`` against speech ``j`` (and ``j`` + ``j+1`` merged)."""
        s = self.text[j]
        ov = self.overlap(ug, j) if s and u else 0.0
        if ov < gate:
            return 0.0, False
        best, partial = _ratio(u, s), False
        # a part of a long speech, or two speeches in one line: only when most of the shorter text's
        # trigrams are in the longer one (the costly alignments are not tried on unrelated pairs)
        if best < threshold and ov >= 0.5 and len(s) > 1.5 * len(u):
            p = partial_ratio(u, s)
            if p > best:
                best, partial = p, True
        if best < threshold and ov >= 0.5 and len(u) > 1.3 * len(s) and j + 1 < len(self.text):
            best = max(best, _ratio(u, s + self.text[j + 1]))
        return best, partial


def match_lines(texts: list[str], rows: list[int], speakers: list[str], screenplay: Screenplay,
                options: MatchOptions | None = None) -> MatchReport:
    """Match film lines (in time order: their ``texts``, dataset ``rows`` and film ``speakers``) to the
    screenplay's speeches and verify each match's speaker."""
    o = options or MatchOptions()
    sp = _Speeches(screenplay)
    n, total = len(texts), len(sp.items)
    raw: list[tuple[int, int, float]] = []  # (position in texts, speech, score)
    ptr = 0
    for i, text in enumerate(texts):
        u = fold(text)
        if len(u) < o.min_chars:
            continue
        ug = _grams(u)
        spans = [(max(0, ptr - o.window_back), min(total, ptr + o.window_ahead))]
        guess = int(i * total / max(1, n))  # proportional position: resynchronises after a long gap
        if guess > spans[0][1] or guess + o.window_ahead < spans[0][0]:
            spans.append((max(0, guess - o.window_back), min(total, guess + o.window_ahead)))
        window = sorted({j for a, b in spans for j in range(a, b)})
        ranked = sorted(((sp.overlap(ug, j), j) for j in window), key=lambda x: (-x[0], x[1]))
        best, best_j, best_partial = 0.0, -1, False
        for ov, j in ranked[: max(1, o.candidates)]:
            if ov < o.gate:
                break
            sc, partial = sp.score(u, ug, j, o.threshold, o.gate)
            if sc > best + 1e-12 or (abs(sc - best) <= 1e-12 and j < best_j):
                best, best_j, best_partial = sc, j, partial
            if best >= 0.95:  # as good as a line gets through ASR: the rest of the window cannot matter
                break
        if best >= o.threshold:
            raw.append((i, best_j, best))
            ptr = best_j if best_partial else best_j + 1
    cast = _cast(raw, speakers, sp)
    matches: dict[int, LineMatch] = {}
    mis: list[LineMatch] = []
    for i, j, score in raw:
        who = sp.items[j].speaker
        film = speakers[i]
        mapped = cast.get(speaker_key(who))
        if mapped is None or not film:
            status = "unverified"
        elif mapped == film:
            status = "matched"
        elif o.misattribution == "lower" and score * o.lower_factor >= o.threshold:
            status, score = "unverified", score * o.lower_factor
        else:
            status = "misattributed"
        m = LineMatch(rows[i], j, round(score, 4), status, who, film)
        if status == "misattributed":
            mis.append(m)
            log.info("row %d: screenplay speaker %s contradicts the film's %s; match not used", rows[i], who, film)
        matches[rows[i]] = m
    lines = sum(1 for t in texts if len(fold(t)) >= o.min_chars)
    short = sum(1 for t in texts if 0 < len(fold(t)) < o.min_chars)
    hit = sum(1 for m in matches.values() if m.used)
    return MatchReport(matches, cast, lines, hit, mis, short)


def _cast(raw: list[tuple[int, int, float]], speakers: list[str], sp: _Speeches) -> dict[str, str]:
    """Screenplay speaker -> film character: same names first, then one-to-one by most matched lines."""
    votes: dict[tuple[str, str], int] = {}
    film_names = {speaker_key(s): s for s in speakers if s}
    for i, j, _ in raw:
        if speakers[i]:
            key = (speaker_key(sp.items[j].speaker), speakers[i])
            votes[key] = votes.get(key, 0) + 1
    cast: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted({speaker_key(s.speaker) for s in sp.items}):
        if name in film_names:
            cast[name] = film_names[name]
            taken.add(film_names[name])
    for (name, film), _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
        if name not in cast and film not in taken:
            cast[name] = film
            taken.add(film)
    return cast
