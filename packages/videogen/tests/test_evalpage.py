"""The blind A/B page, rated through headless Chromium (Debian's), checked in SQLite and the CSV export."""
import csv
import io
import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _videos(tmp_path: Path, faces) -> Path:
    """A videos/ folder with two keyframes × three seeds of real clips."""
    import numpy as np
    from PIL import Image

    from reelmind.videogen.media import write_clip

    folder = tmp_path / "videos"
    clips = []
    for kf, emo in ((3, "joy"), (7, "anger")):
        for seed in (42, 123, 777):
            img = np.asarray(Image.open(faces[seed % 3]).convert("RGB").resize((128, 96)))
            name = f"k{kf:04d}_Ann_t2v_s{seed}"
            write_clip(folder / f"{name}.mp4", np.repeat(img[None], 9, axis=0), 24.0)
            clips.append({"name": name, "file": f"{name}.mp4", "keyframe": kf, "emotion": emo, "seed": seed, "repeat": 0})
    (folder / "manifest.json").write_text(json.dumps({"clips": clips}))
    return folder


@pytest.fixture
def page_server(tmp_path, faces):
    import uvicorn

    from reelmind.videogen.evalpage import create_app, pairs_from_folders

    pairs = pairs_from_folders([_videos(tmp_path, faces)], "seeds")
    app = create_app(tmp_path / "ratings.sqlite", pairs)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.02)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", tmp_path / "ratings.sqlite", pairs
    srv.should_exit = True
    t.join(10)


def test_rating_pairs_in_a_real_browser(page_server):
    pw = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian chromium missing (apt-get install chromium)")
    url, db, pairs = page_server
    assert len(pairs) == 6  # 2 keyframes × 3 seed pairs
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{url}/?rater=ana")
        for i in range(6):
            assert page.locator("#clip1").get_attribute("src").endswith("/left")
            # the clip really loads in the browser
            page.wait_for_function("document.querySelector('#clip1').readyState >= 1", timeout=10000)
            page.check("input[name=better][value=left]" if i % 2 == 0 else "input[name=better][value=same]")
            page.check(f"input[name=realism_left][value='{1 + i % 5}']")
            page.check("input[name=realism_right][value='3']")
            page.click("#submit")
            page.wait_for_load_state()
        assert "All pairs rated" in page.locator("#done").inner_text()
        browser.close()
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT better, realism_a, realism_b, rater FROM ratings").fetchall()
        sides = dict(con.execute("SELECT pair_id, a_left FROM pairs").fetchall())
    assert len(rows) == 6 and {r[3] for r in rows} == {"ana"}
    assert {r[0] for r in rows} <= {"a", "b", "same"} and sum(r[0] == "same" for r in rows) == 3
    assert len(set(sides.values())) == 2  # both blind orders occur
    export = httpx.get(f"{url}/export.csv").text
    table = list(csv.DictReader(io.StringIO(export)))
    assert len(table) == 6 and set(table[0]) >= {"condition", "clip_a", "clip_b", "better", "realism_a", "realism_b"}
    tally = httpx.get(f"{url}/tally").json()
    assert sorted(t["condition"] for t in tally) == ["seed 123 vs 777", "seed 42 vs 123", "seed 42 vs 777"]
    assert sum(t["ratings"] for t in tally) == 6 and sum(t["same"] for t in tally) == 3
    # a left-choice was stored de-blinded: 'a' exactly where A was shown left
    assert sum(t["a_better"] + t["b_better"] for t in tally) == 3


def test_bad_ratings_are_refused(page_server):
    url, db, pairs = page_server
    r = httpx.post(f"{url}/rate", data={"pair_id": "nope", "better": "left", "realism_left": 3, "realism_right": 3})
    assert r.status_code == 404
    page = httpx.get(f"{url}/?rater=bob").text
    pid = page.split('name="pair_id" value="')[1].split('"')[0]
    r = httpx.post(f"{url}/rate", data={"pair_id": pid, "better": "left", "realism_left": 9, "realism_right": 3})
    assert r.status_code == 422


def test_blind_order_is_counterbalanced_whatever_the_paths(tmp_path):
    from reelmind.videogen.evalpage import RatingStore

    for k in range(40):  # before: a per-pair coin from the path's hash, all-same for 1 folder in 16
        store = RatingStore(tmp_path / f"r{k}.sqlite")
        store.add_pairs([{"a": f"/x{k}/a{i}.mp4", "b": f"/x{k}/b{i}.mp4", "condition": "c", "label_a": "a", "label_b": "b"}
                         for i in range(6)])
        with sqlite3.connect(store.path) as con:
            sides = [r[0] for r in con.execute("SELECT a_left FROM pairs")]
        assert sorted(sides) == [0, 0, 0, 1, 1, 1]
