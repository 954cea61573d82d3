"""The blind A/B human-evaluation page (FastAPI + SQLite).

A rater sees two clips of one pair as "Clip 1" and "Clip 2" (which of A/B is shown left is fixed per
pair by a hash, and never shown), answers which one shows the intended emotion better and rates the
realism of each (1-5). ``/export.csv`` exports every rating de-blinded; ``/tally`` sums them per
condition (wins of A and B, ties, mean realism of A and B).

Pairs come from videos/ folders: two seeds of one keyframe (``seeds``), or the same clip name in two
folders, e.g. full vs pipeline-only prompts (``folders``).
"""

from __future__ import annotations

import hashlib
import html
import json
import sqlite3
import threading
from itertools import combinations
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS pairs (pair_id TEXT PRIMARY KEY, condition TEXT, emotion TEXT, a TEXT, b TEXT,
                                  label_a TEXT, label_b TEXT, a_left INTEGER);
CREATE TABLE IF NOT EXISTS ratings (id INTEGER PRIMARY KEY AUTOINCREMENT, pair_id TEXT, rater TEXT,
                                    better TEXT, realism_a INTEGER, realism_b INTEGER, created TEXT DEFAULT CURRENT_TIMESTAMP);
"""


def pairs_from_folders(folders: list[Path], how: str = "seeds") -> list[dict]:
    """A/B pairs from videos/ folders (each with manifest.json)."""
    manifests = [(f, json.loads((f / "manifest.json").read_text(encoding="utf-8"))) for f in folders]
    pairs = []
    if how == "seeds":
        for folder, m in manifests:
            by_kf: dict[int, list[dict]] = {}
            for c in m["clips"]:
                if c["repeat"] == 0 and c["file"]:
                    by_kf.setdefault(c["keyframe"], []).append(c)
            for kf, clips in sorted(by_kf.items()):
                for a, b in combinations(sorted(clips, key=lambda c: c["seed"]), 2):
                    pairs.append({"condition": f"seed {a['seed']} vs {b['seed']}", "emotion": a["emotion"],
                                  "a": str(folder / a["file"]), "b": str(folder / b["file"]),
                                  "label_a": f"{folder.name}/{a['name']}", "label_b": f"{folder.name}/{b['name']}"})
    elif how == "folders":
        if len(manifests) != 2:
            from reelmind.core.errors import ConfigError

            raise ConfigError("--pairs folders needs exactly two videos/ folders", "pass A,B")
        (fa, ma), (fb, mb) = manifests
        files_b = {c["name"]: c for c in mb["clips"] if c["file"]}
        for a in ma["clips"]:
            b = files_b.get(a["name"])
            if a["repeat"] == 0 and a["file"] and b is not None:
                pairs.append({"condition": f"{fa.parent.name}/{fa.name} vs {fb.parent.name}/{fb.name}", "emotion": a["emotion"],
                              "a": str(fa / a["file"]), "b": str(fb / b["file"]), "label_a": str(fa / a["name"]),
                              "label_b": str(fb / b["name"])})
    else:
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"unknown pairing {how!r}", "use seeds or folders")
    return pairs


class RatingStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.lock = threading.Lock()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, check_same_thread=False)

    def add_pairs(self, pairs: list[dict]) -> None:
        with self.lock, self._db() as db:
            pids = [hashlib.sha256(f"{p['a']}|{p['b']}|{p['condition']}".encode()).hexdigest()[:16] for p in pairs]
            # counterbalanced blind order: pairs ranked by a hash of their id take A-left in turn,
            # so half the pairs show A on the left whatever the hashes happen to be
            rank = sorted(range(len(pairs)), key=lambda i: hashlib.sha256(("side" + pids[i]).encode()).hexdigest())
            a_lefts = [0] * len(pairs)
            for r, i in enumerate(rank):
                a_lefts[i] = r % 2
            for pid, p, a_left in zip(pids, pairs, a_lefts):
                db.execute("INSERT OR IGNORE INTO pairs VALUES (?,?,?,?,?,?,?,?)",
                           (pid, p["condition"], p.get("emotion", ""), p["a"], p["b"], p["label_a"], p["label_b"], a_left))

    def next_pair(self, rater: str) -> dict | None:
        with self.lock, self._db() as db:
            row = db.execute("SELECT pair_id, condition, emotion, a, b, a_left FROM pairs WHERE pair_id NOT IN "
                             "(SELECT pair_id FROM ratings WHERE rater = ?) ORDER BY pair_id LIMIT 1", (rater,)).fetchone()
        if row is None:
            return None
        return dict(zip(("pair_id", "condition", "emotion", "a", "b", "a_left"), row))

    def pair(self, pid: str) -> dict | None:
        with self.lock, self._db() as db:
            row = db.execute("SELECT pair_id, a, b, a_left FROM pairs WHERE pair_id = ?", (pid,)).fetchone()
        return dict(zip(("pair_id", "a", "b", "a_left"), row)) if row else None

    def rate(self, pid: str, rater: str, better_side: str, realism_left: int, realism_right: int) -> None:
        """Store a rating given in screen terms (left/right), de-blinded to A/B."""
        p = self.pair(pid)
        if p is None:
            raise KeyError(pid)
        a_is_left = bool(p["a_left"])
        better = {"left": "a" if a_is_left else "b", "right": "b" if a_is_left else "a", "same": "same"}[better_side]
        ra, rb = (realism_left, realism_right) if a_is_left else (realism_right, realism_left)
        with self.lock, self._db() as db:
            db.execute("INSERT INTO ratings (pair_id, rater, better, realism_a, realism_b) VALUES (?,?,?,?,?)",
                       (pid, rater, better, int(ra), int(rb)))

    def rows(self) -> list[tuple]:
        with self.lock, self._db() as db:
            return db.execute("SELECT r.id, r.rater, p.condition, p.emotion, p.label_a, p.label_b, r.better, "
                              "r.realism_a, r.realism_b, r.created FROM ratings r JOIN pairs p USING (pair_id) "
                              "ORDER BY r.id").fetchall()

    def tally(self) -> list[dict]:
        with self.lock, self._db() as db:
            rows = db.execute("SELECT p.condition, COUNT(*), SUM(r.better='a'), SUM(r.better='b'), SUM(r.better='same'), "
                              "AVG(r.realism_a), AVG(r.realism_b) FROM ratings r JOIN pairs p USING (pair_id) "
                              "GROUP BY p.condition ORDER BY p.condition").fetchall()
        return [{"condition": c, "ratings": n, "a_better": a, "b_better": b, "same": s,
                 "realism_a": round(ra, 3), "realism_b": round(rb, 3)} for c, n, a, b, s, ra, rb in rows]


EXPORT_HEADER = ("id", "rater", "condition", "emotion", "clip_a", "clip_b", "better", "realism_a", "realism_b", "created")


def create_app(db_path: str | Path, pairs: list[dict] | None = None):
    from fastapi import FastAPI, Form, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse

    store = RatingStore(db_path)
    if pairs:
        store.add_pairs(pairs)
    app = FastAPI(title="reelmind blind A/B evaluation")
    app.state.store = store

    @app.get("/", response_class=HTMLResponse)
    def index(rater: str = "anonymous"):
        p = store.next_pair(rater)
        r = html.escape(rater)
        if p is None:
            return f"<!doctype html><title>done</title><p id='done'>All pairs rated, {r}. Thank you.</p>" \
                   f"<p><a href='/tally'>tally</a> · <a href='/export.csv'>CSV</a></p>"
        emo = html.escape(p["emotion"] or "the intended emotion")
        pid = html.escape(p["pair_id"])
        radios = lambda name: "".join(f"<label><input type='radio' name='{name}' value='{i}' required>{i}</label>"  # noqa: E731
                                      for i in range(1, 6))
        return f"""<!doctype html><html><head><meta charset="utf-8"><title>reelmind A/B</title></head><body>
<h1>Which clip shows <span id="emotion">{emo}</span> better?</h1>
<form method="post" action="/rate" id="rate">
<input type="hidden" name="pair_id" value="{pid}"><input type="hidden" name="rater" value="{r}">
<div style="display:flex;gap:1em">
<figure><video id="clip1" src="/clip/{pid}/left" controls muted loop width="384"></video><figcaption>Clip 1</figcaption>
<fieldset><legend>Realism of clip 1</legend>{radios('realism_left')}</fieldset></figure>
<figure><video id="clip2" src="/clip/{pid}/right" controls muted loop width="384"></video><figcaption>Clip 2</figcaption>
<fieldset><legend>Realism of clip 2</legend>{radios('realism_right')}</fieldset></figure>
</div>
<fieldset><legend>Shows the emotion better</legend>
<label><input type="radio" name="better" value="left" required>Clip 1</label>
<label><input type="radio" name="better" value="right">Clip 2</label>
<label><input type="radio" name="better" value="same">No difference</label></fieldset>
<button type="submit" id="submit">Save and next</button></form></body></html>"""

    @app.get("/clip/{pid}/{side}")
    def clip(pid: str, side: str):
        p = store.pair(pid)
        if p is None or side not in ("left", "right"):
            raise HTTPException(404)
        a_left = bool(p["a_left"])
        path = p["a"] if (side == "left") == a_left else p["b"]
        return FileResponse(path, media_type="video/mp4")

    @app.post("/rate")
    def rate(pair_id: str = Form(...), rater: str = Form("anonymous"), better: str = Form(...),
             realism_left: int = Form(..., ge=1, le=5), realism_right: int = Form(..., ge=1, le=5)):
        if better not in ("left", "right", "same"):
            raise HTTPException(422, "better must be left, right or same")
        try:
            store.rate(pair_id, rater, better, realism_left, realism_right)
        except KeyError:
            raise HTTPException(404, "unknown pair") from None
        from urllib.parse import quote

        return RedirectResponse(f"/?rater={quote(rater)}", status_code=303)

    @app.get("/export.csv", response_class=PlainTextResponse)
    def export():
        from reelmind.core.csv_export import csv_text

        return PlainTextResponse(csv_text(EXPORT_HEADER, store.rows()), media_type="text/csv")

    @app.get("/tally")
    def tally():
        return JSONResponse(store.tally())

    return app
