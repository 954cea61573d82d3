from openai_server import OpenAIServer

from reelmind.core.llm import LLMClient, LLMOptions
from reelmind.cognition.memory_store import Memory
from reelmind.cognition.reflection import LLMSession, evolution, guard_text, insight_questions, insight_text
from reelmind.cognition.types import EVOLUTION_SECTIONS


def _closed_port_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there any more


def test_a_down_llm_costs_one_call_and_is_reported_as_degraded():
    session = LLMSession(LLMClient(LLMOptions(base_url=_closed_port_url(), timeout_s=5)))
    ev = evolution("Ada", _sections("Ada"), ["Ada"], session)
    assert set(ev.source.values()) == {"template"} and ev.sections["opening"] == "Ada opening facts."
    assert session.calls == 1 and session.skipped == len(EVOLUTION_SECTIONS) - 1
    (msg,) = session.degraded()
    assert "unreachable" in msg and ": 5 LLM text(s) not written" in msg
    assert LLMSession(LLMClient(LLMOptions(base_url="http://127.0.0.1:1/v1"))).degraded() == []  # not used: nothing to say


def test_guard_rejects_unknown_names_and_empty_text():
    chars = ["Scarlett O'Hara", "Rhett"]
    assert guard_text("Scarlett loves Rhett. She is angry.", chars, "") == []
    assert guard_text("Scarlett's anger at Rhett grows.", chars, "") == []
    assert guard_text("Then Ashley leaves Scarlett.", chars, "")[0].startswith("unknown name(s) Ashley")
    assert guard_text("She argues with Tara.", chars, 'lines: "Tara is home"') == []
    assert guard_text("   ", chars, "") == ["empty text"]


def _sections(name):
    return {s: f"{name} {s} facts." for s in EVOLUTION_SECTIONS}


def test_evolution_is_template_by_default_and_llm_when_guarded_text_passes():
    ev = evolution("Ada", _sections("Ada"), ["Ada", "Ben"])
    assert list(ev.sections) == list(EVOLUTION_SECTIONS) and set(ev.source.values()) == {"template"}
    replies = ["", "Ada meets Zorro.", "Ada grows cold toward Ben."]  # empty, hallucinated, ok
    with OpenAIServer(replies) as srv:
        ev = evolution("Ada", _sections("Ada"), ["Ada", "Ben"], LLMClient(LLMOptions(base_url=srv.url)))
    assert ev.sections["opening"] == "Ada grows cold toward Ben." and ev.source["opening"] == "llm"
    assert any("empty text" in g for g in ev.guard) and any("Zorro" in g for g in ev.guard)
    assert all(ev.source[s] == "llm" for s in EVOLUTION_SECTIONS[1:])  # the last reply repeats
    with OpenAIServer(["Ada meets Zorro."]) as srv:
        ev = evolution("Ada", _sections("Ada"), ["Ada"], LLMClient(LLMOptions(base_url=srv.url)))
    assert set(ev.source.values()) == {"template"} and ev.sections["closing"] == "Ada closing facts."
    assert len(ev.guard) == 3 * len(EVOLUTION_SECTIONS)


def test_insights_from_retrieved_memories():
    assert insight_questions("Ada", ["sad", "sad", "angry"])[:2] == [("When does Ada feel sad?", "sad"),
                                                                    ("What are the most intense moments of Ada?", None)]
    qs = insight_questions("Ada", ["neutral", "neutral", "neutral", "sad", "angry", "angry", "happy"])
    assert qs[0] == ("When does Ada feel neutral?", "neutral")
    assert ("What makes Ada feel angry?", "angry") in qs and ("What makes Ada feel happy?", "happy") in qs
    mems = [Memory(id=str(i), film="f", character="Ada", time=float(i * 60), kind="moment", tier="stm", text="",
                   emotion=e, valence=v, arousal=a) for i, (e, v, a) in enumerate([("sad", -0.6, 0.3), ("sad", -0.4, 0.9), ("angry", -0.5, 0.5)])]
    text = insight_text("Ada", "When does Ada feel sad?", "sad", mems)
    assert text.startswith("Ada: 2 of 3 memories") and "most intense at 1:00 (sad, arousal 0.90)" in text
