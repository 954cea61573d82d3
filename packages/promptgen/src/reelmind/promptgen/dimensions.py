"""The six prompt dimensions (and the anchor's personality cues), each a function of named pipeline
values given as :class:`~reelmind.promptgen.trace.Fact` s. A function returns the phrases it chose,
each citing the facts its rule read; the audit calls the same functions again with the facts read
back from the records.

1. expression: face emotion + arousal -> intensity tier -> physical cues
2. body: arousal + dominance -> posture; word count -> gesture modifier
3. atmosphere: valence x arousal -> mood, lighting, colour tone
4. composition: Dunbar circle speaker -> listener -> spatial rule
5. camera: arousal -> shot scale + movement; LSTM surprise -> Dutch angle
6. dialogue_action: transcript patterns -> action cues, and the line itself
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from reelmind.core.emotion import face_label

from .trace import Fact, Phrase, vocab_phrases
from .vocab import Vocabulary

_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class DimensionOptions:
    """Thresholds of the dimension rules (every value is a config key under ``stages.prompts.dimensions``)."""

    moderate_arousal: float = 0.4  # arousal >= this: moderate expression tier
    intense_arousal: float = 0.7  # arousal >= this: intense tier ("jaw clenched" for anger at 0.82)
    high_arousal: float = 0.7  # body: arousal > this is high energy
    low_arousal: float = 0.35  # body: arousal < this is low energy
    high_dominance: float = 0.6  # body: dominance > this is assertive / confident
    low_dominance: float = 0.4  # body: dominance < this is defensive / withdrawn
    brief_words: int = 5  # a line of <= this many words: brief gesture
    animated_words: int = 25  # a line of > this many words: animated gestures
    negative_valence: float = -0.1  # atmosphere: valence < this is negative
    positive_valence: float = 0.1  # atmosphere: valence > this is positive
    atmosphere_arousal: float = 0.6  # atmosphere: arousal > this is high
    extreme_arousal: float = 0.85  # camera: extreme close-up + fast zoom-in
    close_arousal: float = 0.7  # camera: close-up
    medium_close_arousal: float = 0.5  # camera: medium close-up
    medium_arousal: float = 0.3  # camera: medium shot (below: wide shot)
    dutch_surprise: float = 0.7  # camera: LSTM surprise > this -> Dutch angle
    ocean_high: float = 0.65  # anchor: trait >= this gives its "high" cue
    ocean_low: float = 0.35  # anchor: trait <= this gives its "low" cue
    ocean_cues: int = 2  # anchor: cues of at most this many traits, the farthest from 0.5 first
    max_dialogue_cues: int = 2  # dialogue action: cues of at most this many pattern categories


def _num(f: Fact | None) -> float | None:
    if f is None or f.value is None:
        return None
    try:
        x = float(f.value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _present(*facts: Fact | None) -> tuple[Fact, ...]:
    return tuple(f for f in facts if f is not None and _num(f) is not None)


def word_count(text: str) -> int:
    """Words of a line; Chinese characters count two to a word."""
    cjk = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text)
    return len(_WORD.findall(rest)) + (cjk + 1) // 2


# ----------------------------------------------------------------------------- 1 expression
def intensity_tier(arousal: float | None, o: DimensionOptions) -> str:
    """subtle / moderate / intense from arousal (moderate when arousal is unknown)."""
    if arousal is None:
        return "moderate"
    return "intense" if arousal >= o.intense_arousal else "moderate" if arousal >= o.moderate_arousal else "subtle"


def expression(vocab: Vocabulary, o: DimensionOptions, emotion: Fact | None = None, arousal: Fact | None = None,
               **_: Fact | None) -> list[Phrase]:
    """Face emotion (or the line's emotion when no face was read) x intensity tier -> physical cues."""
    label = face_label(str(emotion.value)) if emotion is not None and emotion.value else ""
    if not label:
        return []
    a = _num(arousal)
    facts = (emotion, *_present(arousal))
    return vocab_phrases(vocab, f"expression.{label}.{intensity_tier(a, o)}", "expression", facts)


# ----------------------------------------------------------------------------- 2 body language
def posture(arousal: float | None, dominance: float | None, o: DimensionOptions) -> str:
    """The posture rule: arousal > high and dominance > high -> assertive, and so on."""
    if arousal is None:
        return ""
    if arousal > o.high_arousal:
        if dominance is None:
            return "energetic"
        return "assertive" if dominance > o.high_dominance else "agitated" if dominance < o.low_dominance else "energetic"
    if arousal < o.low_arousal:
        return "withdrawn" if dominance is not None and dominance < o.low_dominance else "still"
    return "confident" if dominance is not None and dominance > o.high_dominance else "composed"


def body(vocab: Vocabulary, o: DimensionOptions, arousal: Fact | None = None, dominance: Fact | None = None,
         words: Fact | None = None, **_: Fact | None) -> list[Phrase]:
    """Posture from arousal + dominance, and a gesture modifier from the line's word count."""
    out: list[Phrase] = []
    key = posture(_num(arousal), _num(dominance), o)
    if key:
        out += vocab_phrases(vocab, f"body.{key}", "body", _present(arousal, dominance))
    n = _num(words)
    if n is not None:
        mod = "brief" if n <= o.brief_words else "animated" if n > o.animated_words else ""
        if mod:
            out += vocab_phrases(vocab, f"body.{mod}", "body", (words,))
    return out


# ----------------------------------------------------------------------------- 3 atmosphere
def mood(valence: float | None, arousal: float | None, o: DimensionOptions) -> str:
    """valence x arousal -> tense / somber / vibrant / serene / charged / calm ('' when unknown)."""
    if valence is None or arousal is None:
        return ""
    high = arousal > o.atmosphere_arousal
    if valence < o.negative_valence:
        return "tense" if high else "somber"
    if valence > o.positive_valence:
        return "vibrant" if high else "serene"
    return "charged" if high else "calm"


def atmosphere(vocab: Vocabulary, o: DimensionOptions, valence: Fact | None = None, arousal: Fact | None = None,
               **_: Fact | None) -> list[Phrase]:
    key = mood(_num(valence), _num(arousal), o)
    return vocab_phrases(vocab, f"atmosphere.{key}", "atmosphere", _present(valence, arousal)) if key else []


# ----------------------------------------------------------------------------- 4 composition
def composition(vocab: Vocabulary, o: DimensionOptions, circle: Fact | None = None, intimacy: Fact | None = None,
                listener: Fact | None = None, listeners: Fact | None = None, **_: Fact | None) -> list[Phrase]:
    """The Dunbar circle of speaker -> first listener; a single figure when nobody listens on screen."""
    if circle is not None and circle.value:
        facts = (circle, *_present(intimacy))
        return vocab_phrases(vocab, f"composition.{str(circle.value).upper()}", "composition", facts)
    if listener is not None and listener.value:
        return vocab_phrases(vocab, "composition.unrelated", "composition", (listener,))
    if listeners is not None and _num(listeners) == 0:
        return vocab_phrases(vocab, "composition.solo", "composition", (listeners,))
    return []


# ----------------------------------------------------------------------------- 5 camera
def shot_scale(arousal: float, o: DimensionOptions) -> str:
    if arousal > o.extreme_arousal:
        return "extreme"
    if arousal > o.close_arousal:
        return "close"
    if arousal > o.medium_close_arousal:
        return "medium_close"
    return "medium" if arousal > o.medium_arousal else "wide"


def camera(vocab: Vocabulary, o: DimensionOptions, arousal: Fact | None = None, surprise: Fact | None = None,
           **_: Fact | None) -> list[Phrase]:
    """Shot scale + movement from arousal; an LSTM surprise above the threshold swaps the movement for a
    Dutch angle."""
    out: list[Phrase] = []
    a, s = _num(arousal), _num(surprise)
    dutch = s is not None and s > o.dutch_surprise
    if a is not None:
        cues = vocab_phrases(vocab, f"camera.{shot_scale(a, o)}", "camera", (arousal,))
        out += cues[:1] if dutch else cues
    if dutch:
        out += vocab_phrases(vocab, "camera.dutch", "camera", (surprise,))
    return out


# ----------------------------------------------------------------------------- 6 dialogue action
def dialogue_action(vocab: Vocabulary, o: DimensionOptions, dialogue: Fact | None = None, **_: Fact | None) -> list[Phrase]:
    """Action cues of the dramatic patterns the line matches, then the line quoted (template ``says``)."""
    if dialogue is None or not str(dialogue.value or "").strip():
        return []
    text = str(dialogue.value).strip()
    cite = (Fact(dialogue.table, dialogue.row, dialogue.field, None),)
    out: list[Phrase] = []
    for cat in vocab.categories(text)[: max(0, o.max_dialogue_cues)]:
        out += vocab_phrases(vocab, f"dialogue.{cat}.cue", "dialogue_action", cite)
    out.append(Phrase(vocab.template("says").format(line=text), "dialogue_action", "template:says", cite))
    return out


# ----------------------------------------------------------------------------- anchor cues, minimal label
def personality(vocab: Vocabulary, o: DimensionOptions, trait: Fact | None = None, **_: Fact | None) -> list[Phrase]:
    """An OCEAN trait at an extreme -> its personality cue (``trait`` cites ``personality:row N O=0.69``)."""
    v = _num(trait)
    if trait is None or v is None:
        return []
    level = "high" if v >= o.ocean_high else "low" if v <= o.ocean_low else ""
    return vocab_phrases(vocab, f"personality.{trait.field}.{level}", "anchor", (trait,)) if level else []


def emotion_label(vocab: Vocabulary, o: DimensionOptions, emotion: Fact | None = None, **_: Fact | None) -> list[Phrase]:
    """The minimal tier: the emotion label in the template ``minimal``."""
    label = face_label(str(emotion.value)) if emotion is not None and emotion.value else ""
    if not label:
        return []
    word = vocab.phrases(f"emotion_labels.{label}")[0]
    return [Phrase(vocab.template("minimal").format(emotion=word), "minimal", f"vocab:emotion_labels.{label}", (emotion,))]


#: dimension -> the function that chooses its vocabulary phrases (the audit calls these again)
FUNCTIONS = {"expression": expression, "body": body, "atmosphere": atmosphere, "composition": composition,
             "camera": camera, "dialogue_action": dialogue_action, "anchor": personality, "minimal": emotion_label}
#: a fact's field -> the named input it feeds
ARGUMENT = {"face_emotion": "emotion", "text_emotion": "emotion", "emotion": "emotion", "arousal": "arousal",
            "valence": "valence", "dominance": "dominance", "words": "words", "circle": "circle",
            "intimacy": "intimacy", "listener": "listener", "listeners": "listeners", "surprise": "surprise",
            "surprise_rank": "surprise", "dialogue": "dialogue", **{t: "trait" for t in "OCEAN"}}
