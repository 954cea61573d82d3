"""Optional: an LLM labels the lines of messy OCR text with their screenplay role (off by default).

The model sees numbered lines and answers only ``{"labels": [[line, kind], ...]}``; the elements are
then built from *our* line texts, so the model can classify but never write or change content. An
unusable answer keeps the rule-based parse.
"""

from __future__ import annotations

import json
import logging
import re

from .model import Screenplay
from .parse import build

log = logging.getLogger("reelmind.promptgen.screenplay.llm")
LABELS = ("heading", "action", "character", "parenthetical", "dialogue", "transition", "other")
SYSTEM = ("You label the lines of a screenplay page that OCR read. For every numbered line give its role: "
          "heading (scene heading), action, character (a speaker's name above dialogue), parenthetical, "
          "dialogue, transition, or other (page numbers, noise). Do not rewrite, correct or add any text. "
          'Answer with JSON only: {"labels": [[line number, role], ...]}.')
CHUNK = 120


def _parse(reply: str) -> dict[int, str]:
    m = re.search(r"\{.*\}", reply, flags=re.S)
    if not m:
        return {}
    try:
        data = json.loads(m.group(0))
    except ValueError:
        return {}
    out = {}
    for item in data.get("labels", []) if isinstance(data, dict) else []:
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], int) and item[1] in LABELS:
            out[item[0]] = item[1]
    return out


def llm_structure(text: str, client, source: str = "", fallback: Screenplay | None = None) -> Screenplay:
    """The screenplay of ``text`` with line roles from ``client`` (an LLMClient); ``fallback`` when the
    model labels too few lines."""
    from reelmind.core.llm import LLMError

    lines = [(i, s.strip()) for i, s in enumerate(text.split("\n")) if s.strip()]
    labels: dict[int, str] = {}
    try:
        for a in range(0, len(lines), CHUNK):
            part = lines[a:a + CHUNK]
            got = _parse(client.chat(SYSTEM, "\n".join(f"{i}: {s}" for i, s in part)))
            labels.update({i: k for i, k in got.items() if any(i == j for j, _ in part)})
    except LLMError as exc:
        log.warning("LLM structure extraction failed (%s); the rule-based parse is kept", exc)
        return fallback if fallback is not None else build([], source, "ocr")
    if len(labels) < 0.5 * len(lines):
        log.warning("the LLM labelled %d of %d lines; the rule-based parse is kept", len(labels), len(lines))
        return fallback if fallback is not None else build([], source, "ocr")
    items: list[tuple[str, str, str]] = []
    speaker = ""
    for i, s in lines:
        kind = labels.get(i, "other")
        if kind == "other":
            continue
        if kind == "character":
            speaker = re.sub(r"\s*[\(（][^)）]*[\)）]\s*$", "", s).strip()
            items.append(("character", speaker, speaker))
        elif kind in ("dialogue", "action") and items and items[-1][0] == kind:
            items[-1] = (kind, items[-1][1] + " " + s, items[-1][2])
        else:
            items.append((kind, s, speaker if kind in ("dialogue", "parenthetical") else ""))
    sp = build(items, source, "llm")
    sp.notes.append(f"line roles from the LLM ({len(labels)} of {len(lines)} lines labelled)")
    return sp
