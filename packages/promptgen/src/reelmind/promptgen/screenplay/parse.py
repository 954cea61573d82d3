"""Screenplay text -> elements: Fountain markup, and the plain-text screenplay layout (also what a
PDF's text layer and OCR of a scanned page give), where indentation tells cue, dialogue and action
apart. Chinese scripts' ``名字：台词`` lines and ``第N场`` headings are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Element, Screenplay

_HEADING = re.compile(r"^(?:\d+[A-Z]?\s+)?(?:INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I/E|INT|EXT|EST)[.\s]", re.IGNORECASE)
_ZH_HEADING = re.compile(r"^(?:第\s*[0-9一二三四五六七八九十百千]+\s*场|场景\s*[0-9]+|[0-9]+\s*[.、]\s*(?:内景|外景|内|外)[\s，,])")
_TRANSITION = re.compile(r"^(?:[A-Z][A-Z .'-]*TO:|FADE (?:IN|OUT)[:.]?|FADE TO BLACK\.?|CUT TO BLACK\.?|THE END\.?|淡入|淡出|切至：?)$")
_CUE_NAME = re.compile(r"^[A-Z0-9][A-Z0-9_ .'\-&]*[A-Z0-9.']$|^[A-Z]$")
_CJK_NAME = re.compile(r"^[\u3400-\u9fff·]{1,6}$")
_EXT = re.compile(r"\s*(?:[\(（][^)）]*[\)）]|\^)\s*$")
_COLON = re.compile(r"^([\u3400-\u9fff·]{1,8}|[A-Z][A-Z .'-]{0,30}[A-Z])\s*[:：]\s*(\S.*)$")
_PAGE_NOISE = re.compile(r"^(?:\d+\.?|page \d+( of \d+)?|\(MORE\)|\(CONT'?D\)|CONTINUED:?|\(CONTINUED\))$", re.IGNORECASE)
_TITLE_KEY = re.compile(r"^(Title|Credit|Author|Authors|Source|Draft date|Date|Contact|Copyright|Notes|Revision)\s*:", re.IGNORECASE)


def is_heading(text: str) -> bool:
    t = text.strip()
    return bool(_HEADING.match(t + " ") or _ZH_HEADING.match(t) or (t.startswith(".") and not t.startswith("..")
                                                                  and len(t) > 1 and t[1].isalnum()))


def is_cue(text: str) -> bool:
    """A character cue: an upper-case name (with an optional extension) or a short Chinese name."""
    t = text.strip()
    if t.startswith("@"):
        return len(t) > 1
    name = _EXT.sub("", t).strip()
    if not name or len(name) > 38 or len(name.split()) > 5 or name.endswith(":"):
        return False
    if _CJK_NAME.match(name):
        return True
    return bool(_CUE_NAME.match(name)) and any(c.isalpha() for c in name) and not _TRANSITION.match(name)


def _clean_cue(text: str) -> str:
    t = text.strip().lstrip("@").strip()
    return _EXT.sub("", _EXT.sub("", t)).strip()


@dataclass
class _Line:
    indent: int
    text: str


def strip_fountain(text: str) -> list[str]:
    """Fountain markup removed: title page, boneyard, notes, sections, synopses, page breaks, emphasis."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\[\[.*?\]\]", "", text, flags=re.S)
    lines = text.split("\n")
    if lines and _TITLE_KEY.match(lines[0].strip()):
        while lines and lines[0].strip():
            lines.pop(0)
    out = []
    for raw in lines:
        s = raw.rstrip()
        t = s.strip()
        if t.startswith("#") or (t.startswith("=") and not t.startswith("===")) or re.fullmatch(r"={3,}", t):
            continue
        s = re.sub(r"(\*{1,3}|_)(\S(?:.*?\S)?)\1", r"\2", s)
        if t.startswith(">") and t.endswith("<"):
            s = t[1:-1].strip()  # centred text is action
        out.append(s)
    return out


def classify(lines: list[str], indent_aware: bool) -> list[tuple[str, str, str]]:
    """(kind, text, speaker) per element, from raw lines. ``indent_aware``: the plain layout's indentation
    separates dialogue (indented) from action (at the margin) even without blank lines."""
    items = [_Line(len(s) - len(s.lstrip(" ")), s.strip()) for s in (x.replace("\t", "    ") for x in lines)]
    items = [x if not _PAGE_NOISE.match(x.text) else _Line(0, "") for x in items]
    filled = sorted(x.indent for x in items if x.text)
    margin = filled[len(filled) // 10] if filled else 0
    colon_names = {}
    for x in items:
        m = _COLON.match(x.text)
        if m and not is_heading(x.text):
            colon_names[m.group(1)] = colon_names.get(m.group(1), 0) + 1
    # 'NAME: line' is dialogue when the script is written that way (several such lines), not a label
    colon_ok = set(colon_names) if sum(colon_names.values()) >= 3 else {n for n, k in colon_names.items() if k >= 2}
    out: list[tuple[str, str, str]] = []
    state, speaker = "", ""

    def next_text(i: int) -> str:
        return items[i + 1].text if i + 1 < len(items) else ""

    for i, x in enumerate(items):
        t = x.text
        if not t:
            state = ""
            continue
        indented = x.indent >= margin + 6
        if t.startswith("!"):
            out.append(("action", t[1:].strip(), ""))
            state = "action"
        elif is_heading(t):
            heading = re.sub(r"^\.", "", t)
            heading = re.sub(r"^\d+[A-Z]?\s+|\s+\d+[A-Z]?$", "", heading)  # scene numbers in the margins
            out.append(("heading", heading.strip(), ""))
            state = ""
        elif _TRANSITION.match(t) or (t.startswith(">") and not t.endswith("<")):
            out.append(("transition", t.lstrip("> ").strip(), ""))
            state = ""
        elif state == "paren" and out and not out[-1][1].endswith((")", "）")):
            out[-1] = ("parenthetical", out[-1][1] + " " + t, speaker)  # a parenthetical wrapped over lines
        elif state in ("cue", "dialogue", "paren") and t.startswith(("(", "（")) and (not indent_aware or indented):
            out.append(("parenthetical", t, speaker))
            state = "paren"
        elif state in ("cue", "dialogue", "paren") and (not indent_aware or indented) and not (
                indent_aware and is_cue(t) and x.indent >= margin + 15 and next_text(i)):
            if state == "dialogue" and out and out[-1][0] == "dialogue":
                out[-1] = ("dialogue", out[-1][1] + " " + t, speaker)
            else:
                out.append(("dialogue", t, speaker))
            state = "dialogue"
        elif is_cue(t) and next_text(i) and (t.startswith("@") or (x.indent >= margin + 10 if indent_aware
                                                                      else not (i and items[i - 1].text))):
            speaker = _clean_cue(t)
            out.append(("character", speaker, speaker))
            state = "cue"
        elif (m := _COLON.match(t)) and m.group(1) in colon_ok:
            speaker = m.group(1)
            out.append(("character", speaker, speaker))
            said = m.group(2).strip()
            paren = re.match(r"^([\(（][^)）]*[\)）])\s*(.*)$", said)
            if paren:
                out.append(("parenthetical", paren.group(1), speaker))
                said = paren.group(2)
            if said:
                out.append(("dialogue", said, speaker))
            state = ""
        else:
            if state == "action" and out and out[-1][0] == "action":
                out[-1] = ("action", out[-1][1] + " " + t, "")
            else:
                out.append(("action", t, ""))
            state = "action"
    return out


def build(items: list[tuple[str, str, str]], source: str, fmt: str) -> Screenplay:
    """Number (kind, text, speaker) items by scene and line."""
    elements, scene, line = [], 0, 0
    for kind, text, speaker in items:
        if kind == "heading":
            scene, line = scene + 1, 0
        line += 1
        elements.append(Element(kind, re.sub(r"\s+", " ", text).strip(), scene, line, speaker))
    return Screenplay(tuple(elements), source=source, format=fmt)


def parse_fountain(text: str, source: str = "") -> Screenplay:
    return build(classify(strip_fountain(text), indent_aware=False), source, "fountain")


def parse_layout(text: str, source: str = "", fmt: str = "text") -> Screenplay:
    """The plain-text screenplay layout (indented cues and dialogue)."""
    lines = text.split("\n")
    indents = {len(s) - len(s.lstrip(" ")) for s in lines if s.strip()}
    return build(classify(lines, indent_aware=len(indents) > 1), source, fmt)


def looks_like_fountain(text: str, suffix: str = "") -> bool:
    if suffix.lower() in (".fountain", ".spmd"):
        return True
    head = text.lstrip()[:2000]
    return bool(_TITLE_KEY.match(head) or "[[" in head or "/*" in head or re.search(r"^\s*(?:\.[A-Z]|@|>.*<$)", head, re.M))
