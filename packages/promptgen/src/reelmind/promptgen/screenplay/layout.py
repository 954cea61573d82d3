"""A parsed screenplay printed in the plain-text screenplay layout (headings and action at the margin,
cues, parentheticals and dialogue indented, pages numbered): what `reelmind prompts` reads back from
a ``.txt``, and what a PDF or a scanned page of the same script shows."""

from __future__ import annotations

import textwrap

from .model import Screenplay

#: indentation (characters) and wrap width per element kind, after the usual US letter layout
INDENT = {"heading": 0, "action": 0, "character": 22, "parenthetical": 16, "dialogue": 10, "transition": 45}
WIDTH = {"heading": 60, "action": 60, "character": 38, "parenthetical": 26, "dialogue": 35, "transition": 15}


def to_layout(screenplay: Screenplay, page_lines: int = 0) -> str:
    """The screenplay as layout text; ``page_lines`` > 0 numbers pages of that many lines."""
    lines: list[str] = []
    prev = ""
    for e in screenplay.elements:
        if e.kind in ("heading", "action", "character", "transition") or (e.kind == "dialogue" and prev == "action"):
            lines.append("")
        text = e.text.upper() if e.kind in ("heading", "character", "transition") else e.text
        pad = " " * INDENT[e.kind]
        lines += [pad + w for w in textwrap.wrap(text, WIDTH[e.kind]) or [""]]
        prev = e.kind
    if page_lines <= 0:
        return "\n".join(lines).lstrip("\n") + "\n"
    out: list[str] = []
    page, used = 1, 0
    for line in lines[1:] if lines and not lines[0] else lines:
        if used >= page_lines and not line:  # break pages between elements only
            page, used = page + 1, 0
            out += ["", " " * 56 + f"{page}.", ""]
            continue
        out.append(line)
        used += 1
    return "\n".join(out) + "\n"
