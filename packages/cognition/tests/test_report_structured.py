"""Structured report from the records: 10 sections, missing stages said, byte-identical across runs and
processes, data text escaped, suspicious names warned about."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reelmind.cognition.report import STAGE, render_documents, write_documents
from reelmind.cognition.report_inputs import RECORDS, ReportInputs, load_run, name_warnings
from reelmind.cognition.report_structured import SECTION_KEYS, build_report, md
from reelmind.core import DataFileError, DatasetTable

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import make_film  # noqa: E402
from cognition_stages import run_stages  # noqa: E402

DOCS = ("report/report.json", "report/report.md", "report/report.zh.md", "report/report.html")


@pytest.fixture(scope="module")
def outputs() -> dict:
    return run_stages(make_film(), {"report": {"film": "constructed"}})


def test_ten_sections_and_bilingual_summaries(outputs):
    rep = json.loads(outputs["report"].text("report/report.json"))
    assert list(outputs["report"].name) == list(DOCS)
    assert set(rep["sections"]) == set(SECTION_KEYS) and len(SECTION_KEYS) == 10 and rep["missing"] == {}
    s = rep["sections"]
    assert [r["character"] for r in s["emotion_stats"]["characters"]] == ["Scarlett", "Rhett", "Mammy", "Melanie", "Gerald"]
    assert s["conflicts"]["count"] == 3
    assert s["ocean"]["source"] == "analysis" and len(s["ocean"]["characters"]) == 5
    assert s["memory"]["stats"]["by_kind"]["moment"] == 48 and s["memory"]["stats"]["backend"] == "persistent"
    assert s["social"]["nodes"] == 5 and s["social"]["circles"]["Scarlett"]["intimate"][0][0] == "Mammy"
    assert s["scoring"]["fer_tier"]["tier"] == "reliable" and len(s["scoring"]["characters"]) == 5
    assert set(s["summaries"]) == {"en", "zh", "evolution"}
    assert s["summaries"]["en"]["Scarlett"].startswith("Scarlett: ")
    assert "情感波動" in s["summaries"]["zh"]["Scarlett"] and "綜合表演評分" in s["summaries"]["zh"]["Scarlett"]
    md_en, md_zh = outputs["report"].text("report/report.md"), outputs["report"].text("report/report.zh.md")
    assert md_en.count("\n## ") == 10 and md_zh.count("\n## ") == 10
    assert "## 6. OCEAN personality" in md_en and "## 6. OCEAN 人格" in md_zh
    assert "Expression-Text Consistency" in md_en and "表情-文本一致性" in md_zh
    assert "degraded" not in outputs["report"].meta and outputs["report"].meta["stage"] == "report"
    # the memory stage's evolution narratives reach the report (the old JSON loader read them under the
    # wrong key, "evolutions", and always found none)
    refl = outputs["reflections"]
    ada = refl.take((refl.kind == "evolution") & (refl.character == "Scarlett"))
    assert s["summaries"]["evolution"]["Scarlett"] == dict(zip(ada.section, ada.text)) and len(ada) == 5
    assert "**Character evolution" in md_en and md(ada.text[0]) in md_en


def test_report_is_assembled_from_the_records_not_recomputed(outputs):
    """Change a record and the report follows it: nothing is recomputed from the dataset."""
    sc = outputs["scores"]
    changed = sc.with_columns(total=np.where(sc.character == "Scarlett", 9.75, sc.total))
    rep = build_report(ReportInputs.from_records({**outputs, "scores": changed}))
    scarlett = next(r for r in rep["sections"]["scoring"]["characters"] if r["character"] == "Scarlett")
    assert scarlett["total"] == 9.75 and "9.8/10" in rep["sections"]["summaries"]["en"]["Scarlett"]


def test_missing_stages_are_said_not_fatal(outputs):
    only = {k: outputs[k] for k in ("dataset", "moments", "transitions", "arcs", "moods", "trends")}
    docs = STAGE.run(only)["report"]
    rep = json.loads(docs.text("report/report.json"))
    assert set(rep["missing"]) == set(RECORDS) - set(only)
    assert rep["missing"]["personality"] == "the personality stage did not run"
    md_en = docs.text("report/report.md")
    assert "**Missing from the analysis:** character\\_scenes (the memory stage did not run)" in md_en
    assert "_Missing from the analysis: memory statistics (the memory stage did not run)_" in md_en
    assert "_Missing from the analysis: personality (the personality stage did not run)_" in md_en
    assert rep["sections"]["ocean"]["characters"] == [] and rep["sections"]["transitions"]["source"] == "analysis"
    assert STAGE.run({"dataset": make_film()})["report"].text("report/report.html").count("data-chart=") == 6


CHILD = ("import sys; sys.path.insert(0, {here!r}); from cog2_fixtures import make_film; from cognition_stages import run_stages;"
         "from reelmind.cognition.report import write_documents; a = run_stages(make_film(), {{'report': {{'film': 'constructed'}}}});"
         "write_documents(a['report'], {out!r}); [t.to_parquet({out!r} + '/' + k + '.parquet') for k, t in a.items() if k != 'dataset']")


def test_byte_identical_across_runs_and_processes(outputs, tmp_path):
    """Every record of every cognition stage and every report file, in this process and in another."""
    again = run_stages(make_film(), {"report": {"film": "constructed"}})
    write_documents(outputs["report"], tmp_path / "a")
    write_documents(again["report"], tmp_path / "b")
    code = CHILD.format(here=str(Path(__file__).parent), out=str(tmp_path / "c"))
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONHASHSEED="12345"), timeout=600,
                   capture_output=True)
    for name in DOCS:
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
        assert a == (tmp_path / "c" / name).read_bytes(), name
    names = [k for k in outputs if k not in ("dataset", "report")]
    assert len(names) == 16
    for k in names:
        outputs[k].to_parquet(tmp_path / "a" / f"{k}.parquet")
        assert (tmp_path / "a" / f"{k}.parquet").read_bytes() == (tmp_path / "c" / f"{k}.parquet").read_bytes(), k
    data = json.loads((tmp_path / "a" / "report/report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "reelmind.report/2" and data["meta"]["options"]["max_characters"] == 12


def test_load_run_reads_the_published_records(outputs, tmp_path):
    for k, t in outputs.items():
        if k != "report":
            t.to_parquet(tmp_path / f"{k}.parquet")
    inputs = load_run(tmp_path)
    assert inputs.missing == {} and len(inputs.memories) == len(outputs["memories"])
    assert render_documents(inputs, STAGE.make_options({"film": "constructed"})).data[0] == outputs["report"].data[0]
    (tmp_path / "scores.parquet").unlink()
    assert load_run(tmp_path).missing == {"scores": "no scores records in the run folder"}


def test_load_run_errors_are_one_line(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        load_run(tmp_path)
    (tmp_path / "dataset.parquet").write_bytes(b"")
    with pytest.raises(DataFileError, match="not a readable Parquet file"):
        load_run(tmp_path)


def test_empty_dataset_gives_a_report():
    docs = STAGE.run({"dataset": DatasetTable.empty()}, STAGE.make_options({"film": "empty"}))["report"]
    rep = json.loads(docs.text("report/report.json"))
    assert rep["sections"]["overview"]["lines"] == 0
    assert len(docs.text("report/report.html")) > 1000


# ----------------------------------------------------------------------------- hostile text (issue 17 item 11)
HOSTILE = "Rhett | <script>alert(1)</script> *bold*"


def hostile_film() -> DatasetTable:
    ds = make_film()
    return ds.with_columns(character=np.array([HOSTILE if c == "Rhett" else c for c in ds.character], dtype=object),
                           listener=[tuple(HOSTILE if x == "Rhett" else x for x in ls) for ls in ds.listener],
                           dialogue=np.array([d.replace("Mammy", "Mam|my <img src=x onerror=alert(2)>") for d in ds.dialogue],
                                             dtype=object))


def _tables_intact(text: str) -> None:
    """Every Markdown table row has the header's number of cells (escaped pipes do not count)."""
    cells = lambda line: len(re.split(r"(?<!\\)\|", line)) - 2  # noqa: E731
    lines = text.splitlines()
    tables = 0
    for i, line in enumerate(lines):
        if not line.startswith("|---"):
            continue
        tables += 1
        width = line.count("---|")
        assert cells(lines[i - 1]) == width, lines[i - 1]
        for row in lines[i + 1:]:
            if not row.startswith("|"):
                break
            assert cells(row) == width, row
    assert tables >= 5


def test_markdown_and_html_escape_names_and_lines():
    arts = run_stages(hostile_film(), {"moments": {"lstm": {"enabled": False}}},
                      names=("moments", "social", "personality", "scores", "report"))
    docs = arts["report"]
    for name in ("report/report.md", "report/report.zh.md"):
        text = docs.text(name)
        assert "<script>" not in text and "<img" not in text, name
        assert "&lt;script&gt;" in text and "Rhett \\| " in text
        _tables_intact(text)
    page = docs.text("report/report.html")
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;alert(1)" in page
    assert md("a|b <i>") == "a\\|b &lt;i&gt;" and md("line\nbreak") == "line break"


def test_empty_and_colliding_names_are_warned_about():
    ds = make_film()
    pid = {"Scarlett": 1, "Rhett": 2, "Mammy": 3, "Melanie": 4, "Gerald": 5}
    names = np.array(ds.character, dtype=object)
    person = np.array([pid[c] for c in names])
    names[names == "Gerald"] = "person_2"  # cluster 5 named like cluster 1's default label (labels are 1-based)
    names[np.flatnonzero(ds.character == "Melanie")[:2]] = ""  # two lines with an empty name
    names[names == "Mammy"] = "Scarlett"  # two clusters (1 and 3) given one name
    bad = ds.with_columns(character=names, person_id=person)
    warnings = name_warnings(bad)
    assert len(warnings) == 3, warnings
    assert warnings[0].startswith("2 line(s) have an empty character name")
    assert any("'Scarlett' is used by 2 person clusters (1, 3)" in w for w in warnings)
    assert any("'person_2' given to cluster 5 collides with the default label of cluster 1" in w for w in warnings)
    docs = STAGE.run({"dataset": bad})["report"]
    assert docs.meta["degraded"] == warnings == json.loads(docs.text("report/report.json"))["warnings"]
    assert "**Warnings about the data:**" in docs.text("report/report.md") and "Warnings about the data" in docs.text("report/report.html")
    assert name_warnings(ds.with_columns(person_id=person)) == []
    # unnamed clusters carry their own default labels (person_{id+1}): nothing to warn about
    default = np.array([f"person_{p + 1}" for p in person], dtype=object)
    assert name_warnings(ds.with_columns(character=default, person_id=person)) == []


# ----------------------------------------------------------------------------- values as before the renovation
BEFORE = Path(__file__).parent / "data" / "report_9ab57ba_cog2_film.json"


def _diff(a, b, path=""):
    """Differences between two JSON values (floats to 1e-6 relative)."""
    if isinstance(a, float) or isinstance(b, float):
        ok = a is not None and b is not None and abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))
        return [] if ok or a == b else [f"{path}: {a} != {b}"]
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b))
                for d in (_diff(a[k], b[k], f"{path}.{k}") if k in a and k in b else [f"{path}.{k}: only in {'old' if k in a else 'new'}"])]
    if isinstance(a, list) and isinstance(b, list):
        return [f"{path}: len {len(a)} != {len(b)}"] if len(a) != len(b) else [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_values_are_those_of_the_one_piece_analysis_before_the_split(outputs):
    """The same constructed film through the pre-renovation code (commit 9ab57ba: run_analysis + the report
    stage, its report.json kept in tests/data) and through the stages: every figure is the same. Changed on
    purpose: the FER rule's wording (one rule in core), the measured face count, and the keys that say
    what is missing per section; the film title is the test's."""
    old = json.loads(BEFORE.read_text(encoding="utf-8"))["sections"]
    new = json.loads(outputs["report"].text("report/report.json"))["sections"]
    diffs = _diff(old, new)
    expected = {".overview.film: 'film2' != 'constructed'", ".overview.channel_weights_source: only in old",
                ".overview.channel_weights.measured.fer_faces: only in new", ".summaries.evolution: only in new"}
    expected |= {f".{k}.missing: only in new" for k in ("ocean", "scoring", "social")}
    expected |= {".transitions.transitions_missing: only in new"}
    rule = [d for d in diffs if d.startswith(".overview.channel_weights.rule:")]
    assert len(rule) == 1 and "FER reliable: neutral ratio 12% <= 60%" in rule[0]
    assert sorted(set(diffs) - set(rule)) == sorted(expected)


def test_report_links_prompts_and_micro_expressions_and_shows_degraded_inputs():
    import dataclasses

    from reelmind.cognition.report import STAGE as REPORT
    from reelmind.core.records import MicroEventTable, PromptFrameTable

    ds = make_film(repeats=1)
    sup = np.zeros(len(ds), bool)
    sup[2] = True
    ds = dataclasses.replace(ds, suppression=sup, meta={**ds.meta, "degraded_inputs": ["faces: truncated at 8.56 s of 30.12 s"]})
    prompts = PromptFrameTable(film=["f"] * 2, chapter=[0, 0], start=[0.0, 4.0], end=[3.0, 7.0], character=["Rhett"] * 2,
                               positive=["a", "b"], tier=["full", "full"])
    micro = MicroEventTable(person_id=[0], onset=[8.0], apex=[8.1], offset=[8.2])
    docs = REPORT.run({"dataset": ds, "prompts": prompts, "micro_events": micro})["report"]
    html, md_en = docs.text("report/report.html"), docs.text("report/report.md")
    assert 'href="../prompts/keyframes.html"' in html and "2 keyframes" in html
    assert 'href="../microexpr/index.html"' in html and "suppression on 1 line(s)" in html
    assert "../prompts/keyframes.html" in md_en and "1 events" in md_en
    assert "input degraded: faces: truncated at 8.56 s of 30.12 s" in md_en
    rep = json.loads(docs.text("report/report.json"))
    assert "prompts" not in rep["missing"] and rep["linked"]["microexpr"]["suppressed_lines"] == [2]
    plain = REPORT.run({"dataset": make_film(repeats=1)})["report"].text("report/report.html")
    assert "keyframes.html" not in plain and "microexpr" not in plain
