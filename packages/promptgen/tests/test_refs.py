"""I2V reference crops cut from the film at the best face's time (a generated video whose 'faces' are
coloured squares, so the crop's pixels say whose face it is)."""

import io

import numpy as np
import pytest

import promptgen_film as pf
from reelmind.promptgen.refs import best_faces, crop_pngs
from reelmind.promptgen.stage import STAGE


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return pf.write_video(tmp_path_factory.mktemp("film") / "film.mp4")


def _mean_rgb(png: bytes) -> np.ndarray:
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    h, w = img.shape[:2]
    return img[h // 3: 2 * h // 3, w // 3: 2 * w // 3].reshape(-1, 3).mean(axis=0)


def test_best_face_per_person_is_the_highest_quality_one():
    refs = best_faces(pf.faces())
    f = pf.faces()
    for pid, ref in refs.items():
        mine = f.quality[f.person_id == pid]
        assert ref.quality == pytest.approx(float(mine.max()))


def test_each_keyframes_crop_shows_the_speaker(video):
    film = pf.film(video)
    ins = {k: getattr(film, k) for k in ("dataset", "moments", "transitions", "scenes", "personality", "social", "faces")}
    t = STAGE.run({**ins, "video": video}, STAGE.make_options())["prompts"]
    assert len(t) and all(t.ref_png[i] for i in range(len(t)))
    for i in range(len(t)):
        pid = int(film.dataset.person_id[t.rows[i][0]])
        assert t.person_id[i] == pid
        colour = np.array(pf.COLOURS[pid])
        assert np.abs(_mean_rgb(t.ref_png[i]) - colour).max() < 25, (i, pid, _mean_rgb(t.ref_png[i]))
        assert t.ref_image[i] == f"prompts/refs/{t.character[i]}_{pid}.png"
        assert t.audio_start[i] == film.dataset.start_time[t.rows[i][0]] and t.audio_source[i] == "mix"
    assert not any("reference" in d for d in t.meta["degraded"])


def test_crops_are_deterministic_and_bounded(video):
    refs = best_faces(pf.faces())
    a = crop_pngs(video, list(refs.values()), margin=0.35, max_side=64)
    b = crop_pngs(video, list(refs.values()), margin=0.35, max_side=64)
    assert a == b and set(a) == set(refs)
    from PIL import Image

    assert max(Image.open(io.BytesIO(a[0])).size) <= 64
