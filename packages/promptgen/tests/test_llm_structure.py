"""Optional LLM structure extraction from messy OCR text, against an OpenAI-compatible server that
speaks the real protocol (cognition's test double: no LLM runs here). The model only labels lines."""

import importlib.util
import json
import re
from pathlib import Path

from reelmind.core.llm import LLMClient, LLMOptions
from reelmind.promptgen.screenplay.llm_structure import llm_structure
from reelmind.promptgen.screenplay.parse import parse_layout

_spec = importlib.util.spec_from_file_location(
    "promptgen_openai_server", Path(__file__).resolve().parents[2] / "cognition" / "tests" / "openai_server.py")
_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_server)

# indentation lost (a phone photo of a page), cue and dialogue on lines of their own, page noise
MESSY = """INT. KITCHEN - NIGHT
Rain hammers the window.
ANN
How dare you come back here!
BOB
(quietly)
I had nowhere else to go.
12.
"""
TRUTH = ["heading", "action", "character", "dialogue", "character", "parenthetical", "dialogue", "other"]


def oracle(body):
    lines = body["messages"][1]["content"].splitlines()
    idx = [int(re.match(r"(\d+):", ln).group(1)) for ln in lines]
    labels = [[i, TRUTH[k]] for k, i in enumerate(idx)]
    labels.append([999, "dialogue"])  # a line that does not exist is ignored
    return "```json\n" + json.dumps({"labels": labels, "text": "INVENTED LINE"}) + "\n```"


def test_the_llm_labels_lines_and_cannot_add_text():
    with _server.OpenAIServer(oracle) as srv:
        sp = llm_structure(MESSY, LLMClient(LLMOptions(base_url=srv.url, model="m")), "page.png")
        body = srv.requests[0]["body"]
    assert body["messages"][0]["role"] == "system" and "Do not rewrite" in body["messages"][0]["content"]
    assert [(s.speaker, s.text) for s in sp.speeches] == [("ANN", "How dare you come back here!"),
                                                          ("BOB", "I had nowhere else to go.")]
    assert sp.speeches[1].parenthetical.text == "(quietly)" and sp.format == "llm"
    words = set(MESSY.split())
    assert all(set(e.text.split()) <= words for e in sp.elements)


def test_an_unusable_answer_keeps_the_rule_based_parse():
    fallback = parse_layout(MESSY)
    with _server.OpenAIServer(["I cannot help with that."]) as srv:
        sp = llm_structure(MESSY, LLMClient(LLMOptions(base_url=srv.url)), "page.png", fallback=fallback)
    assert sp is fallback
    with _server.OpenAIServer(status=500) as srv:
        assert llm_structure(MESSY, LLMClient(LLMOptions(base_url=srv.url)), "page.png", fallback=fallback) is fallback
