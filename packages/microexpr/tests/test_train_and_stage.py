"""`reelmind microexpr train` end to end on a SYNTHETIC CASME II-layout data set (LOSO, UF1/UAR, ONNX),
then the stage loads the exported weights through reelmind.core.models and classifies a planted event.
The figures are about synthetic data only."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from typer.testing import CliRunner

    from reelmind.microexpr.cli import app
    from reelmind.microexpr.synth import casme2_dataset

    tmp = tmp_path_factory.mktemp("me")
    ds = casme2_dataset(tmp / "synthetic-casme2", subjects=5, per_class=1, aus=("AU12", "AU9", "AU1+2"), seed=1)
    out = tmp / "rec.onnx"
    res = CliRunner().invoke(app, ["microexpr", "train", str(ds), "--layout", "casme2", "-o", str(out), "--epochs", "8",
                                   "--flow", "dis"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_train_prints_loso_figures_labelled_synthetic(trained):
    out, text = trained
    assert "LOSO over 5 subjects, 15 clips, 3 classes" in text
    assert "UF1 = " in text and "UAR = " in text and "SYNTHETIC" in text
    from reelmind.microexpr.recognise import read_metadata

    meta = read_metadata(out)
    assert meta["synthetic"] is True and meta["classes"] == ["disgust", "happiness", "surprise"] and meta["flow"] == "dis"
    assert 0.0 <= meta["loso_uf1"] <= 1.0


def test_stage_loads_the_exported_recogniser(trained, tmp_path, happy_face):
    import cv2

    from reelmind.core.records import FaceTable
    from reelmind.core.stage import discover_stages
    from reelmind.microexpr.synth import Plant, detect_face, plant_video, still_clip

    frames = still_clip(happy_face, 2.4, 25.0, seed=2)
    plant_video(frames, 25.0, [Plant(25, 5, "AU12", 0.1)], tmp_path / "clip.mp4")
    box = detect_face(cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY))
    t = np.arange(0, 2.4, 0.25)
    faces = FaceTable(time=t, box=np.repeat(box[None].astype(np.float32), len(t), 0), det_conf=np.ones(len(t)),
                      track=np.zeros(len(t), int))  # a face_tracks table: track ids, no person ids
    stage = discover_stages()["microexpr"]
    out = stage.run({"video": str(tmp_path / "clip.mp4"), "face_tracks": faces}, stage.make_options({"recogniser": str(trained[0])}))
    ev = out["micro_events"]
    assert len(ev) == 1 and ev.emotion[0] in ("disgust", "happiness", "surprise") and 0 < ev.confidence[0] <= 1
    assert ev.meta["recogniser"]["loaded"] and ev.meta["recogniser"]["synthetic"]
    assert ev.au[0].startswith("AU12 ")
    # absent weights: the same event, unclassified, and the reason recorded
    bare = stage.run({"video": str(tmp_path / "clip.mp4"), "face_tracks": faces}, stage.make_options({"recogniser": ""}))
    ev2 = bare["micro_events"]
    assert len(ev2) == 1 and ev2.emotion[0] == "" and ev2.au[0].startswith("AU12 ")
    assert "no recogniser" in ev2.meta["recogniser"]["why"]
    files = stage.publish(bare, stage.make_options({}), tmp_path / "pub")
    names = {p.name for p in files}
    assert {"event_0000_apex.png", "event_0000_flow.png", "event_0000_regions.png", "index.html", "micro_events.csv"} <= names
    assert "unclassified" in (tmp_path / "pub" / "microexpr" / "index.html").read_text()
