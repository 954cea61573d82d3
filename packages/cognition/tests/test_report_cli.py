"""`reelmind report RUN` (typer app) and the "report" stage entry point."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

from typer.testing import CliRunner

from reelmind.cognition.report_cli import app
from reelmind.core.stage import StageContext, discover_stages

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import make_film  # noqa: E402


def test_cli_writes_report_folder(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    make_film().to_parquet(run / "dataset.parquet")
    res = CliRunner().invoke(app, [str(run), "--film", "Constructed"])
    assert res.exit_code == 0, res.output
    for name in ("report.md", "report.zh.md", "report.json", "report.html"):
        assert (run / "report" / name).exists()
        assert str(run / "report" / name) in res.output
    assert (run / "report" / "report.md").read_text(encoding="utf-8").startswith("# Structured report: Constructed")


def test_cli_bad_run_is_one_line_error(tmp_path):
    (tmp_path / "dataset.parquet").write_text("not parquet")
    res = CliRunner().invoke(app, [str(tmp_path)])
    assert res.exit_code == 1
    assert "error:" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_entry_points_registered():
    assert "report" in {e.name for e in entry_points(group="reelmind.cli")}
    stage = discover_stages()["report"]
    assert stage.inputs == ("dataset", "analysis") and stage.outputs == ("report",)
    assert stage.check() == []
    assert stage.models(stage.make_options({})) == []


def test_stage_options_from_config_and_missing_analysis(tmp_path):
    stage = discover_stages()["report"]
    opts = stage.make_options({"html": False, "report": {"max_characters": 2, "dunbar": {"decay_per_min": 0.01}}})
    assert opts.report.max_characters == 2 and opts.report.dunbar.decay_per_min == 0.01
    out = stage.run(StageContext(work_dir=tmp_path), {"dataset": make_film(), "analysis": tmp_path / "nope"}, opts)["report"]
    assert not (out / "report.html").exists()
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "does not exist" in md  # the report says the analysis is missing
    assert "| Scarlett |" in md and "| Mammy |" not in md.split("## 3.")[0]  # 2 characters shown
