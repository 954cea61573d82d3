"""Structured report: 10 sections, byte-identical across runs and processes, missing pieces stated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reelmind.cognition.report_inputs import ReportInputs, load_analysis_pieces, load_run
from reelmind.cognition.report_stage import ReportStageOptions, write_report
from reelmind.cognition.report_structured import SECTION_KEYS, build_report, render_markdown
from reelmind.core import DataFileError

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import make_film  # noqa: E402

FILES = ("report.json", "report.md", "report.zh.md", "report.html")


def test_ten_sections_and_bilingual_summaries():
    rep = build_report(load_analysis_pieces(None, ReportInputs(dataset=make_film(), film="constructed")))
    assert tuple(rep["sections"]) == SECTION_KEYS and len(SECTION_KEYS) == 10
    s = rep["sections"]
    assert [r["character"] for r in s["emotion_stats"]["characters"]] == ["Scarlett", "Rhett", "Mammy", "Melanie", "Gerald"]
    assert s["conflicts"]["count"] == 3
    assert set(s["summaries"]) == {"en", "zh"}
    assert s["summaries"]["en"]["Scarlett"].startswith("Scarlett: ")
    assert "情感波動" in s["summaries"]["zh"]["Scarlett"] and "綜合表演評分" in s["summaries"]["zh"]["Scarlett"]
    md_en, md_zh = render_markdown(rep, "en"), render_markdown(rep, "zh")
    assert md_en.count("\n## ") == 10 and md_zh.count("\n## ") == 10
    assert "## 6. OCEAN personality" in md_en and "## 6. OCEAN 人格" in md_zh
    assert "Expression-Text Consistency" in md_en and "表情-文本一致性" in md_zh


def test_missing_analysis_is_said_not_fatal():
    rep = build_report(load_analysis_pieces(None, ReportInputs(dataset=make_film())))
    assert set(rep["missing"]) >= {"transitions", "arcs", "memory_stats", "consolidation"}
    md = render_markdown(rep, "en")
    assert "Missing from the analysis: memory statistics (no analysis folder)" in md
    assert "derived from the dataset (analysis transitions missing)" in md
    assert rep["sections"]["ocean"]["source"] == "dataset"


def test_corrupt_analysis_piece_is_reported(tmp_path):
    (tmp_path / "arcs.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "transitions.parquet").write_bytes(b"PAR1garbage")
    inputs = load_analysis_pieces(tmp_path, ReportInputs(dataset=make_film()))
    assert inputs.missing["arcs"].startswith("arcs.json unreadable:")
    assert "not a readable Parquet file" in inputs.missing["transitions"]
    rep = build_report(inputs)
    assert "arcs.json unreadable" in render_markdown(rep, "en")


def _write_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    make_film().to_parquet(run / "dataset.parquet")
    return run


def test_byte_identical_across_runs_and_processes(tmp_path):
    run = _write_run(tmp_path)
    ds = load_run(run).dataset
    write_report(ds, None, tmp_path / "a")
    write_report(ds, None, tmp_path / "b")
    code = ("import sys; from reelmind.cognition.report_inputs import load_run; from reelmind.cognition.report_stage import write_report;"
            f"write_report(load_run({str(run)!r}).dataset, None, {str(tmp_path / 'c')!r})")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    for name in FILES:
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
        assert a == (tmp_path / "c" / name).read_bytes(), name
    data = json.loads((tmp_path / "a" / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "reelmind.report/1"
    assert data["meta"]["options"]["dunbar"]["decay_per_min"] == 0.005


def test_load_run_errors_are_one_line(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        load_run(tmp_path)
    (tmp_path / "dataset.parquet").write_bytes(b"")
    with pytest.raises(DataFileError, match="not a readable Parquet file"):
        load_run(tmp_path)


def test_empty_dataset_gives_a_report(tmp_path):
    from reelmind.core import DatasetTable

    out = write_report(DatasetTable.empty(), None, tmp_path / "r", ReportStageOptions(film="empty"))
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert rep["sections"]["overview"]["lines"] == 0
    assert (out / "report.html").stat().st_size > 1000
