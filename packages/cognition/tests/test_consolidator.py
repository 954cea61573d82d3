import pytest

from reelmind.cognition.consolidator import consolidate, hotspot_spans, hotspots, llm_summary, shift_patterns
from reelmind.core.llm import LLMClient, LLMOptions
from reelmind.cognition.types import Transition


def tr(time, kind="SUDDEN", a="neutral", b="angry", cut=False, char="Ada"):
    return Transition(character=char, index=1, time=time, prev_time=time - 1, from_emotion=a, to_emotion=b, type=kind,
                      distance=0.9, d_valence=-0.9, d_arousal=0.1, stability=0.4, surprise=0.1, surprise_rank=0.5,
                      trigger="", scene=0, scene_cut=cut, rule="")


def test_sudden_shifts_cluster_by_pattern():
    ts = [tr(1), tr(5), tr(9, a="angry", b="sad"), tr(12, kind="GRADUAL"), tr(100, cut=True)]
    pats = shift_patterns("Ada", ts)
    assert [(p.pattern, p.count) for p in pats] == [("neutral → angry", 2), ("angry → sad", 1)]
    assert pats[0].times == (1, 5)


def test_hotspot_needs_three_shifts_within_60s():
    assert hotspot_spans([0, 30, 60], 60, 3) == [(0, 2)]
    assert hotspot_spans([0, 30, 61], 60, 3) == []
    assert hotspot_spans([0, 10, 20, 50, 70, 200], 60, 3) == [(0, 4)]  # overlapping windows merge
    assert hotspot_spans([0, 1, 2, 500, 501, 502], 60, 3) == [(0, 2), (3, 5)]
    spots = hotspots("Ada", [tr(0), tr(20), tr(40, a="angry", b="sad"), tr(45, cut=True)])
    assert len(spots) == 1 and spots[0].shifts == 3 and spots[0].start == 0 and spots[0].end == 40
    assert "3 sudden shifts" in spots[0].summary


def test_consolidation_summary_is_template_text_from_data():
    c = consolidate("Ada", [tr(0), tr(20), tr(40), tr(50, kind="NATURAL")])
    assert c.sudden == 3 and c.transitions == 4 and c.sudden_ratio == pytest.approx(0.75)
    assert c.top_pattern == "neutral → angry" and len(c.hotspots) == 1
    assert c.summary.startswith("Ada: 3 of 4 transitions are sudden (75.0%)")
    assert c.llm_summary == ""


def test_llm_summary_is_guarded():
    from openai_server import OpenAIServer

    c = consolidate("Ada", [tr(0), tr(20), tr(40)])
    with OpenAIServer(["Ada turns angry three times in 40 seconds."]) as srv:
        text, rep = llm_summary(LLMClient(LLMOptions(base_url=srv.url)), c, ["Ada", "Ben"])
    assert text.startswith("Ada turns angry") and rep == []
    assert "neutral → angry" in srv.requests[0]["body"]["messages"][1]["content"]
    with OpenAIServer(["Ada fights with Gandalf."]) as srv:
        text, rep = llm_summary(LLMClient(LLMOptions(base_url=srv.url)), c, ["Ada", "Ben"])
    assert text == "" and len(rep) == 3 and "Gandalf" in rep[0] and len(srv.requests) == 3
