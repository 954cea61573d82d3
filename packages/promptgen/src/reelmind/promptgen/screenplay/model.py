"""A parsed screenplay: elements (heading, action, character, parenthetical, dialogue, transition)
numbered by scene and line, and the speeches they form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reelmind.core.errors import ReelmindError

KINDS: tuple[str, ...] = ("heading", "action", "character", "parenthetical", "dialogue", "transition")
_EXTENSION = re.compile(r"\s*[\(（][^)）]*[\)）]\s*")
_HEADING = re.compile(r"^(?:(INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I/E|INT|EXT|EST)[.\s]+)?(.*?)(?:\s+[-–—]+\s+(.*?))?$",
                      re.IGNORECASE)
_UNSPACED_TIME = re.compile(r"[-–—]\s*(DAY|NIGHT|MORNING|EVENING|AFTERNOON|DAWN|DUSK|SUNSET|SUNRISE|LATER|CONTINUOUS)$",
                            re.IGNORECASE)
_ZH_HEADING = re.compile(r"^(?:第\s*[0-9一二三四五六七八九十百千]+\s*场|场景\s*[0-9]*)[\s:：.、]*(.*)$")


class ScreenplayError(ReelmindError):
    """A screenplay file cannot be used (empty, binary, unreadable, no dialogue)."""


def speaker_key(name: str) -> str:
    """A character name as compared: extensions ('(V.O.)', "(CONT'D)") dropped, case and spacing folded."""
    return re.sub(r"\s+", " ", _EXTENSION.sub(" ", str(name)).replace("^", "")).strip().casefold()


@dataclass(frozen=True)
class Element:
    """One screenplay element; ``scene`` 1-based (0 = before the first heading), ``line`` 1-based in it."""

    kind: str
    text: str
    scene: int
    line: int
    speaker: str = ""  # dialogue / parenthetical / character: the speaking character as written


@dataclass(frozen=True)
class Speech:
    """One character's dialogue block: its text joined, the parenthetical and the physical action before it."""

    index: int
    scene: int
    line: int  # line of the first dialogue element
    speaker: str
    text: str
    parenthetical: Element | None = None
    action: Element | None = None  # the action between the previous speech of the scene and this one


@dataclass(frozen=True)
class Heading:
    """A scene heading split into its location and time of day (words as written)."""

    element: Element
    location: str
    time: str


def split_heading(text: str) -> tuple[str, str]:
    """(location, time of day) of a heading: 'INT. KITCHEN - NIGHT' -> ('KITCHEN', 'NIGHT')."""
    text = re.sub(r"^\s*\.(?!\.)", "", text).strip()
    text = re.sub(r"\s*#[^#]*#\s*$", "", text)  # Fountain scene number
    m = _ZH_HEADING.match(text)
    if m:
        rest = m.group(1).strip()
        parts = re.split(r"[\s,，、]+", rest)
        times = [p for p in parts if p in ("日", "夜", "晨", "昏", "白天", "夜晚", "清晨", "黄昏")]
        loc = " ".join(p for p in parts if p not in times and p not in ("内", "外", "内景", "外景"))
        return loc, " ".join(times)
    m = _HEADING.match(text)
    if not m:
        return text, ""
    loc, time = (m.group(2) or "").strip(" .-"), (m.group(3) or "").strip(" .-")
    if not time:  # 'KITCHEN-NIGHT' (OCR often loses the spaces): split only at a known time of day
        t = _UNSPACED_TIME.search(loc)
        if t:
            loc, time = loc[:t.start()].strip(" .-"), t.group(1)
    return loc, time


@dataclass
class Screenplay:
    """Elements in reading order, with the speeches and scene headings derived from them."""

    elements: tuple[Element, ...]
    source: str = ""
    format: str = ""  # fountain | text | pdf | ocr | llm
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_loc = {(e.scene, e.line): e for e in self.elements}
        self._speeches = self._build_speeches()
        self._establishing: dict[int, Element] = {}
        talked: set[int] = set()
        for e in self.elements:
            if e.kind in ("character", "dialogue"):
                talked.add(e.scene)
            elif e.kind == "action" and e.scene not in talked:
                self._establishing.setdefault(e.scene, e)

    def _build_speeches(self) -> list[Speech]:
        out: list[Speech] = []
        pending_action: Element | None = None
        current: dict | None = None

        def close() -> None:
            nonlocal current
            if current and current["text"]:
                out.append(Speech(len(out), current["scene"], current["line"], current["speaker"],
                                  " ".join(current["text"]), current["paren"], current["action"]))
            current = None

        scene = -1
        for e in self.elements:
            if e.scene != scene:
                close()
                scene, pending_action = e.scene, None
            if e.kind == "character":
                close()
                current = {"speaker": e.text, "scene": e.scene, "line": -1, "text": [], "paren": None,
                           "action": pending_action}
                pending_action = None
            elif e.kind in ("dialogue", "parenthetical") and current is not None:
                if e.kind == "dialogue":
                    if current["line"] < 0:
                        current["line"] = e.line
                    current["text"].append(e.text)
                elif current["paren"] is None:
                    current["paren"] = e
            elif e.kind == "action":
                close()
                pending_action = e
            elif e.kind in ("heading", "transition"):
                close()
        close()
        return out

    @property
    def speeches(self) -> list[Speech]:
        return self._speeches

    def element(self, scene: int, line: int) -> Element | None:
        return self._by_loc.get((scene, line))

    def heading(self, scene: int) -> Heading | None:
        e = self._by_loc.get((scene, 1))
        if e is None or e.kind != "heading":
            return None
        loc, time = split_heading(e.text)
        return Heading(e, loc, time)

    def establishing(self, scene: int) -> Element | None:
        """The scene's first action element when it comes before any dialogue (its environment)."""
        return self._establishing.get(scene)

    @property
    def scene_count(self) -> int:
        return len({e.scene for e in self.elements if e.kind == "heading"})

    def speakers(self) -> list[str]:
        return sorted({s.speaker for s in self._speeches})
