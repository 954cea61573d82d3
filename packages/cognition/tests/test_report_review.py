"""The optional 6-chapter LLM review: facts only, guarded, marked as LLM text (real HTTP protocol)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelmind.core.llm import LLMError, LLMOptions
from reelmind.cognition.report_cli import app
from reelmind.cognition.report_inputs import ReportInputs
from reelmind.cognition.report_review import CHAPTERS, ReviewOptions, chapter_facts, film_review, render_review_markdown
from reelmind.cognition.report_structured import ReportOptions, build_report

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import make_film  # noqa: E402
from cognition_stages import run_stages  # noqa: E402
from openai_server import OpenAIServer  # noqa: E402


@pytest.fixture(scope="module")
def report() -> dict:
    arts = run_stages(make_film(), {"moments": {"lstm": {"enabled": False}}}, names=("moments", "social", "personality", "scores"))
    return build_report(ReportInputs.from_records(arts), ReportOptions(film="Constructed"))


def test_chapter_facts_come_from_the_report(report):
    for key, _ in CHAPTERS:
        facts = chapter_facts(report, key)
        assert facts and json.dumps(facts)
    assert chapter_facts(report, "scoring")["scores"][0]["character"] == "Scarlett"


def test_review_over_http_with_guard(report):
    def reply(body):
        facts = json.loads(body["messages"][1]["content"])
        if "arcs" in facts:
            reply.arcs_calls += 1
            if reply.arcs_calls == 1:
                return "Then Napoleon invades the plot."  # invented name: rejected, retried
        return "Scarlett carries the film; Melanie stays close to her."
    reply.arcs_calls = 0
    with OpenAIServer(reply) as srv:
        review, degraded = film_review(report, ReviewOptions(enabled=True), LLMOptions(base_url=srv.url, model="test-model"))
        bodies = [r["body"] for r in srv.requests]
    assert [c["key"] for c in review["chapters"]] == [k for k, _ in CHAPTERS]
    assert all(c["source"] == "llm" and "Scarlett" in c["text"] for c in review["chapters"]), review["chapters"]
    arcs = next(c for c in review["chapters"] if c["key"] == "arcs")
    assert any("Napoleon" in g for g in arcs["guard"])
    assert len(bodies) == 7 and degraded == []  # 6 chapters + 1 retry
    assert all(b["model"] == "test-model" and "ONLY the facts" in b["messages"][0]["content"] for b in bodies)
    md = render_review_markdown(review)
    assert md.count("\n## ") == 6 and "LLM text" in md


def test_review_reports_unusable_answers(report):
    with OpenAIServer(["Then Bonaparte met Wellington."]) as srv:
        review, _ = film_review(report, ReviewOptions(enabled=True), LLMOptions(base_url=srv.url))
    assert all(c["text"] == "" and c["source"] == "missing" for c in review["chapters"])
    assert "_Not rendered:" in render_review_markdown(review)


def test_review_needs_an_endpoint(report):
    with pytest.raises(LLMError, match="needs an LLM"):
        film_review(report, ReviewOptions(enabled=True), LLMOptions())


def test_review_with_the_llm_down_is_degraded(report):
    import socket

    from reelmind.cognition.report import STAGE

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    opts = STAGE.make_options({"review": {"enabled": True}, "llm": {"base_url": f"http://127.0.0.1:{port}/v1", "timeout_s": 5}})
    docs = STAGE.run({"dataset": make_film()}, opts)["report"]
    (msg,) = docs.meta["degraded"]
    assert "unreachable" in msg and ": 6 LLM text(s) not written" in msg
    assert "_Not rendered:" in docs.text("report/review.md")


def test_cli_review_flag(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    make_film().to_parquet(run / "dataset.parquet")
    with OpenAIServer(["Scarlett faces Rhett."]) as srv:
        res = CliRunner().invoke(app, [str(run), "--llm-url", srv.url, "--no-html"])
    assert res.exit_code == 0, res.output
    assert (run / "report" / "review.md").read_text(encoding="utf-8").count("Scarlett faces Rhett.") == 6
    assert not (run / "report" / "report.html").exists()
