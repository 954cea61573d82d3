"""End to end on the stand-in's real videos: seeds, MD5 reproducibility, scatter by the faces stage,
arcs; the CLI (dry run and real), the stage and its check()."""
import json

import pytest
from typer.testing import CliRunner
from vg_fixtures import MEDIA, prompt_frames

from reelmind.videogen.client import ComfyClient
from reelmind.videogen.generate import generate
from reelmind.videogen.media import frames_md5, probe
from reelmind.videogen.options import VideoOptions


def test_multi_seed_md5_scatter_and_arcs(server, tmp_path):
    out = tmp_path / "videos"
    with ComfyClient(server.url, backoff=0.05) as c:
        m = generate(prompt_frames(2), VideoOptions(width=256, height=160, frames=25), out, client=c)
    clips = [x for x in m["clips"] if x["repeat"] == 0]
    assert sorted({x["seed"] for x in clips}) == [42, 123, 777] and len(clips) == 6
    for x in clips:
        assert (out / x["file"]).is_file() and frames_md5(out / x["file"]) == x["md5"]
        assert x["size"][:3] == [256, 160, 25] and (out / x["graph"]).is_file()
        assert json.loads((out / x["graph"]).read_text())["sample"]["inputs"]["noise_seed"] == x["seed"]
    # reproducibility: seed 42 rerun after /free (the cache cleared, so the server really recomputed)
    assert len(m["reproducibility"]) == 2 and all(r["reproducible"] for r in m["reproducibility"].values())
    assert server.state.generated == 8 and ("POST", "/free") in server.state.requests
    # scatter from reelmind's own faces stage: the stand-in drew faces happy/surprise/happy for 42/123/777
    sc = m["scatter"]
    k = sc["keyframes"]["k0003"]
    assert k["intended"] == "happy" and k["dominant"]["42"] == "happy" and k["dominant"]["777"] == "happy"
    assert k["dominant"]["123"] == "surprise" and k["scatter"] == pytest.approx(1 / 3, abs=1e-3)
    assert k["hit_rate"] == pytest.approx(2 / 3, abs=1e-3) and sc["scatter"] == pytest.approx(1 / 3, abs=1e-3)
    # one arc per character and seed, duration checked
    assert len(m["arcs"]) == 3
    arc = m["arcs"][0]
    info = probe(out / arc["file"])
    assert info.has_audio and abs(arc["measured"] - arc["expected"]) <= 0.15
    # a rerun finds every clip in the ledger: nothing is queued again
    before = server.state.generated
    with ComfyClient(server.url) as c:
        m2 = generate(prompt_frames(2), VideoOptions(width=256, height=160, frames=25, scatter=False, stitch=False), out, client=c)
    assert server.state.generated == before and {x["status"] for x in m2["clips"]} == {"cached"}


def test_i2v_and_a2v_clips_carry_the_reference_and_the_utterance(server, tmp_path):
    film = MEDIA / "feat" / "single_face.mp4"
    if not film.is_file():
        pytest.skip("sample media missing")
    with ComfyClient(server.url) as c:
        m = generate(prompt_frames(1), VideoOptions(mode="i2v+a2v", width=256, height=160, frames=25, seeds=[42],
                                                    scatter=False, stitch=False, repeat_seed=None),
                     tmp_path / "v", client=c, film=film)
    clip = m["clips"][0]
    graph = json.loads((tmp_path / "v" / clip["graph"]).read_text())
    assert graph["image"]["inputs"]["image"].startswith("reelmind_ref_") and graph["audio"]["inputs"]["audio"].startswith("reelmind_audio_")
    assert probe(tmp_path / "v" / clip["file"]).has_audio


def _run_dir(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    prompt_frames(2).to_parquet(run / "prompts.parquet")
    return run


def test_cli_dry_run_without_a_server_saves_validated_graphs(tmp_path):
    from reelmind.videogen.cli import app

    run = _run_dir(tmp_path)
    r = CliRunner().invoke(app, ["video", str(run), "--comfyui", "http://127.0.0.1:9", "--profile", "h100-80gb",
                                 "--mode", "i2v", "--dry-run", "--frames", "481"])
    assert r.exit_code == 0, r.output
    m = json.loads((run / "videos" / "manifest.json").read_text())
    assert m["dry_run"] and "bundled capture" in m["validated_against"] and len(m["clips"]) == 6
    assert len(list((run / "videos" / "graphs").glob("*.json"))) == 6
    c = m["clips"][0]["clamp"]
    assert c["requested"] == [960, 544, 481] and c["frames"] <= 481 and c["peak_gb"] <= c["budget_gb"]
    assert not (run / "videos" / "jobs.json").exists()


def test_cli_renders_against_the_stand_in(server, tmp_path):
    from reelmind.videogen.cli import app

    run = _run_dir(tmp_path)
    r = CliRunner().invoke(app, ["video", str(run), "--comfyui", server.url, "--seeds", "42,123", "--width", "192",
                                 "--height", "128", "--frames", "17", "--no-scatter", "--limit", "1"])
    assert r.exit_code == 0, r.output
    m = json.loads((run / "videos" / "manifest.json").read_text())
    assert [c["seed"] for c in m["clips"] if not c["repeat"]] == [42, 123]
    assert m["validated_against"] == f"server {server.url}"
    r = CliRunner().invoke(app, ["video", str(run), "--comfyui", "http://127.0.0.1:9"])
    assert r.exit_code == 2 and "does not answer" in r.output


def test_stage_is_missing_without_comfyui_and_runs_with_it(server, tmp_path, monkeypatch):
    from reelmind.videogen.stage import STAGE, check

    monkeypatch.setenv("REELMIND_COMFYUI", "http://127.0.0.1:9")
    problems = check()
    assert problems and "no ComfyUI answers at http://127.0.0.1:9" in problems[0] and "fix:" in problems[0]
    monkeypatch.setenv("REELMIND_COMFYUI", server.url)
    assert check() == []
    opts = VideoOptions(width=128, height=96, frames=17, seeds=[42], scatter=False, repeat_seed=None)
    out = STAGE.run({"prompts": prompt_frames(1)}, opts, scratch=tmp_path / "s")
    clips = out["clips"]
    assert list(clips.kind) == ["clip", "arc"] and clips.data[0][4:8] == b"ftyp" and len(clips.md5[0]) == 32
    files = STAGE.publish(out, opts, tmp_path / "run")
    assert (tmp_path / "run" / "videos" / "manifest.json").is_file()
    assert any(p.suffix == ".mp4" for p in files) and list((tmp_path / "run" / "videos" / "graphs").glob("*.json"))
