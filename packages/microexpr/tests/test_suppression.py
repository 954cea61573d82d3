"""A planted film through the real stages (faces -> microexpr -> fuse): a smiling face (real posed
photo, classified happy by the faces stage) speaks three lines; during the second a 0.2 s SYNTHETIC
negative micro event (AU9 nose wrinkle) is planted. Only that line gets the suppression flag. The
utterances restate the script's exact times (the audio stage is not what is under test)."""

import numpy as np
import pytest

pytestmark = pytest.mark.slow
FPS = 25.0
LINES = ((0.4, 1.9), (2.4, 3.9), (4.4, 5.9))


@pytest.fixture(scope="module")
def film(tmp_path_factory, happy_face):
    import cv2

    from reelmind.microexpr.synth import Plant, plant_video, still_clip

    h, w = happy_face.shape[:2]
    canvas = np.full((max(h, 360), max(w + 200, 640), 3), 40, np.uint8)
    canvas[:h, 100:100 + w] = happy_face
    frames = still_clip(canvas, 6.4, FPS, seed=7)
    path = tmp_path_factory.mktemp("film") / "planted.mp4"
    plant_video(frames, FPS, [Plant(int(3.0 * FPS), 5, "AU9", 0.1)], path)
    return path


def test_suppression_on_the_planted_line_only(film):
    from reelmind.core.records import UtteranceTable
    from reelmind.core.stage import discover_stages

    stages = discover_stages()
    faces_stage, micro_stage, fuse_stage = stages["faces"], stages["microexpr"], stages["fuse"]
    tracks = faces_stage.run({"video": str(film)})["face_tracks"]  # faces -> persons: the faces table fuse reads
    faces = stages["persons"].run({"face_tracks": tracks})["faces"]
    assert (faces.emotion == "happy").mean() > 0.5, list(faces.emotion)
    micro = micro_stage.run({"video": str(film), "faces": faces}, micro_stage.make_options({"recogniser": ""}))["micro_events"]
    assert len(micro) == 1 and 2.9 <= micro.apex[0] <= 3.3 and micro.polarity[0] == -1, micro.to_pylist()
    utt = UtteranceTable(start=[a for a, _ in LINES], end=[b for _, b in LINES], text=["Hello there.", "I am so glad.", "See you."],
                         speaker=["spk"] * 3, text_emotion=["neutral", "joy", "neutral"], text_conf=[0.9, 0.9, 0.9])
    ds = fuse_stage.run({"faces": faces, "utterances": utt, "micro_events": micro})["dataset"]
    assert list(ds.suppression) == [False, True, False]
    assert ds.micro_events[1] and ds.micro_events[1][0].endswith(":AU9") and ds.micro_events[0] == ()
    assert "positive macro face" in ds.suppression_rule[1]
    no_micro = fuse_stage.run({"faces": faces, "utterances": utt})["dataset"]
    assert not no_micro.suppression.any() and set(no_micro.suppression_rule) == {""}
