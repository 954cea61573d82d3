"""Twelve films through `reelmind archive` on a local Ray with the real stages: five short
ground-truth films built from the same photos and voices, five sample clips and two corrupt
files. Every good film's outputs equal what `reelmind run` writes for it, the corrupt ones are
recorded with their reasons, the actor of three films gets one archive id, SQL across films
counts what the runs hold, and the archive summary renders in headless Chromium."""

import json
import math
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
#: metadata that says when and how fast, not what: timings, and the faces stage's flag for an
#: analysis reused from its own ~/.cache checkpoint (that cache goes with the faces/persons split)
TIMING = ("second", "elapsed", "rtf", "started", "finished", "analysis_reused")


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    from reelmind.eval.archive_films import build_archive

    return build_archive(tmp_path_factory.mktemp("archive-films"))


@pytest.fixture(scope="module")
def archive(films, tmp_path_factory, ray_session):
    from reelmind.archive.driver import run_archive
    from reelmind.archive.identities import build_identities
    from reelmind.archive.store import ArchiveStore

    store = tmp_path_factory.mktemp("archive") / "store"
    result = run_archive(films, store)
    build_identities(ArchiveStore.of(store))
    return store, result


@pytest.fixture(scope="module")
def runs(archive, tmp_path_factory):
    """`reelmind run` (the local driver) on every film the archive finished."""
    from reelmind.archive.store import ArchiveStore
    from reelmind.pipeline.orchestrate import run_pipeline

    out = {}
    base = tmp_path_factory.mktemp("runs")
    for st in ArchiveStore.of(archive[0]).status():
        if st.state == "done":
            run_pipeline(st.path, base / st.film_id)
            out[st.film_id] = base / st.film_id
    return out


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not any(t in k for t in TIMING)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _differences(a: Path, b: Path) -> list[str]:
    """What differs between two run folders' published results (timings aside)."""
    import pyarrow.parquet as pq

    diffs = []
    kinds = (".parquet", ".csv", ".txt", ".md", ".json", ".html")
    names = sorted(p.name for p in a.iterdir() if p.suffix in kinds and p.name not in ("manifest.json", "film.json"))
    if names != sorted(p.name for p in b.iterdir() if p.suffix in kinds and p.name != "manifest.json"):
        diffs.append(f"published files differ: {names} vs {sorted(p.name for p in b.iterdir())}")
    for name in names:
        if name.endswith(".parquet"):
            ta, tb = pq.read_table(a / name), pq.read_table(b / name)
            if ta.column_names != tb.column_names:
                diffs.append(f"{name}: columns differ")
                continue
            for col in ta.column_names:
                if _plain(ta.column(col).to_pylist()) != _plain(tb.column(col).to_pylist()):
                    diffs.append(f"{name}: column {col} differs")
            ma = json.loads((ta.schema.metadata or {}).get(b"reelmind", b"{}") or b"{}") if ta.schema.metadata else {}
            mb = json.loads((tb.schema.metadata or {}).get(b"reelmind", b"{}") or b"{}") if tb.schema.metadata else {}
            if _plain(ma) != _plain(mb):
                diffs.append(f"{name}: metadata differs")
        elif (a / name).read_bytes() != (b / name).read_bytes():
            diffs.append(f"{name}: content differs")
    ka = {k: v["key"] for k, v in json.loads((a / "manifest.json").read_text())["stages"].items()}
    kb = {k: v["key"] for k, v in json.loads((b / "manifest.json").read_text())["stages"].items()}
    if ka != kb:
        diffs.append(f"stage keys differ: {ka} vs {kb}")
    return diffs


def test_every_good_film_finishes_corrupt_ones_recorded(archive):
    from reelmind.archive.store import ArchiveStore

    store, result = archive
    status = {Path(s.path).name if s.path.startswith(str(store.parent)) else s.title: s
              for s in ArchiveStore.of(store).status()}
    by_title = {s.title: s for s in ArchiveStore.of(store).status()}
    assert result.films == 12 and result.done == 10 and result.failed == 2, status
    for bad in ("corrupt-truncated.mp4", "corrupt-random.mp4"):
        assert by_title[bad].state == "failed" and "not a readable media file" in by_title[bad].reason, by_title[bad]
    assert all(s.state == "done" for t, s in by_title.items() if not t.startswith("corrupt"))


def test_outputs_identical_to_reelmind_run(archive, runs):
    assert len(runs) == 10
    problems = {fid: d for fid, run in runs.items() if (d := _differences(archive[0] / fid, run))}
    assert not problems, problems


def test_same_person_in_three_films_one_archive_id(archive):
    from reelmind.archive.query import query
    from reelmind.eval.archive_films import persons_by_film

    store = archive[0]
    truth = persons_by_film(store.parent.parent / next(p.name for p in store.parent.parent.iterdir()
                                                        if p.name.startswith("archive-films")))
    assert sum("ann" in v for v in truth.values()) == 3
    _, rows = query(store, "SELECT archive_id, count(DISTINCT p.film), string_agg(DISTINCT f.title, ',' ORDER BY f.title) "
                           "FROM archive_persons p JOIN films f USING (film) WHERE kind = 'face' AND f.title LIKE 'gt-%' "
                           "GROUP BY archive_id ORDER BY 3")
    titles = {r[2]: r[0] for r in rows}
    ann_films = ",".join(sorted(t for t, who in truth.items() if "ann" in who))
    assert ann_films in titles, rows  # one archive id covers exactly the three films with ann
    # each ground-truth person is one archive id, and no two of them share one
    assert sorted(titles) == sorted(",".join(sorted(t for t, who in truth.items() if p in who))
                                    for p in ("ann", "bea", "cleo", "dan")), rows


def test_duckdb_counts_across_films(archive, runs):
    import pyarrow.parquet as pq

    from reelmind.archive.query import query
    from reelmind.archive.store import ArchiveStore

    store = archive[0]
    _, rows = query(store, "SELECT f.film, count(d.film) FROM films f LEFT JOIN dataset d USING (film) "
                           "WHERE f.state = 'done' GROUP BY 1 ORDER BY 1")
    assert dict(rows) == {fid: pq.read_metadata(run / "dataset.parquet").num_rows for fid, run in sorted(runs.items())}
    _, rows = query(store, "SELECT f.title, count(*), count(DISTINCT d.film) FROM dataset d JOIN films f USING (film) "
                           "WHERE f.title LIKE 'gt-%' GROUP BY 1 ORDER BY 1")
    titles = {fid: ArchiveStore.of(store).film_info(fid)["title"] for fid in runs}
    expected = {titles[fid]: pq.read_metadata(run / "dataset.parquet").num_rows for fid, run in runs.items()
                if titles[fid].startswith("gt-")}
    # every ground-truth film has its lines (1-2: the audio stage may join two close lines), one film each
    assert {t: n for t, n, _ in rows} == expected and all(1 <= n <= 2 and k == 1 for _, n, k in rows), rows
    _, rows = query(store, "SELECT state, count(*) FROM films GROUP BY 1 ORDER BY 1")
    assert rows == [("done", 10), ("failed", 2)]


def test_names_once_and_summary_renders(archive, tmp_path):
    from reelmind.archive.identities import give_names
    from reelmind.archive.query import query
    from reelmind.archive.store import ArchiveStore
    from reelmind.archive.summary import build_summary
    from reelmind.eval.render_check import check_rendered

    store = ArchiveStore.of(archive[0])
    _, rows = query(store, "SELECT archive_id FROM archive_persons WHERE kind = 'face' GROUP BY 1 "
                           "ORDER BY count(DISTINCT film) DESC, 1 LIMIT 1")
    give_names(store, {rows[0][0]: "Ann"})
    _, named = query(store, "SELECT count(DISTINCT film) FROM named_faces WHERE name = 'Ann'")
    assert named[0][0] >= 3
    page = build_summary(store)
    text = page.read_text()
    assert "Ann" in text and "12 films (10 done, 2 failed, 0 pending)" in text
    charts = check_rendered(page, tmp_path)
    assert set(charts) == {"emotions", "persons"}
    for name, r in charts.items():
        assert r.svg >= 1 and r.width > 300 and r.height > 100 and r.ink > 0.005, (name, r)
