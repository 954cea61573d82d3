"""`reelmind report RUN` (typer app) and the "report" stage entry point."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

from typer.testing import CliRunner

from reelmind.cognition.report_cli import app
from reelmind.core.stage import discover_stages

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import make_film  # noqa: E402
from cognition_stages import run_stages  # noqa: E402


def test_cli_writes_report_folder_from_the_published_records(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    arts = run_stages(make_film(), {"moments": {"lstm": {"enabled": False}}}, names=("moments", "social"))
    for k, t in arts.items():
        t.to_parquet(run / f"{k}.parquet")
    res = CliRunner().invoke(app, [str(run), "--film", "Constructed"])
    assert res.exit_code == 0, res.output
    for name in ("report.md", "report.zh.md", "report.json", "report.html"):
        assert (run / "report" / name).exists()
        assert str(run / "report" / name) in res.output
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Structured report: Constructed")
    assert "personality (no personality records in the run folder)" in md  # what the run lacks is said
    assert "intimate" in md.split("## 7.")[1]  # the social records were read


def test_cli_bad_run_is_one_line_error(tmp_path):
    (tmp_path / "dataset.parquet").write_text("not parquet")
    res = CliRunner().invoke(app, [str(tmp_path)])
    assert res.exit_code == 1
    assert "error:" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_entry_points_registered():
    assert {"report", "memory"} <= {e.name for e in entry_points(group="reelmind.cli")}
    stage = discover_stages()["report"]
    assert stage.inputs == ("dataset",) and stage.outputs == ("report",)
    assert {"moments", "memories", "personality", "social", "scores"} <= set(stage.optional_inputs)
    assert stage.check() == [] and stage.models(stage.make_options({})) == []


def test_stage_options_from_config(tmp_path):
    stage = discover_stages()["report"]
    opts = stage.make_options({"html": False, "max_characters": 2, "review": {"language": "French"}})
    assert opts.max_characters == 2 and opts.review.language == "French" and not opts.review.enabled
    docs = stage.run({"dataset": make_film()}, opts)["report"]
    assert "report/report.html" not in set(docs.name)
    md = docs.text("report/report.md")
    assert "| Scarlett |" in md and "| Mammy |" not in md.split("## 3.")[0]  # 2 characters shown
    (path,) = [p for p in stage.publish({"report": docs}, opts, tmp_path) if p.name == "report.md"]
    assert path == tmp_path / "report" / "report.md" and path.read_text(encoding="utf-8") == md
