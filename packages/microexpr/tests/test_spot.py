"""MDMD spotting and AU proxies on SYNTHETIC events planted in a real still photo."""

import numpy as np
import pytest


@pytest.mark.parametrize("au", ["AU12", "AU9", "AU1+2"])
def test_planted_event_is_spotted_with_its_au(happy_face, aligner, still_crops, au):
    from reelmind.microexpr.align import face_mask
    from reelmind.microexpr.au import au_proxy
    from reelmind.microexpr.evaluate import iou
    from reelmind.microexpr.flow import make, remove_global
    from reelmind.microexpr.spot import spot
    from reelmind.microexpr.synth import Plant

    p = Plant(22, 5, au, 0.1)
    crops, lms = still_crops(happy_face, aligner, p)
    flow = make("dis")
    found, sig, thr = spot(crops, 25.0, flow, mask=face_mask(128))
    assert len(found) == 1, [(f.onset, f.offset) for f in found]
    ev = found[0]
    assert iou((ev.onset, ev.offset), (p.onset, p.offset)) >= 0.5
    proxy = au_proxy(lms[ev.onset - 1], remove_global(flow(crops[ev.onset - 1], crops[ev.apex])), 128)
    assert proxy.au.startswith(au + " "), proxy


def test_nothing_planted_nothing_spotted(happy_face, aligner, still_crops):
    from reelmind.microexpr.align import face_mask
    from reelmind.microexpr.flow import make
    from reelmind.microexpr.spot import spot

    crops, _ = still_crops(happy_face, aligner, None, seed=3)
    found, sig, thr = spot(crops, 25.0, make("dis"), mask=face_mask(128))
    assert found == []
    assert thr >= 0.35  # the absolute floor holds when the signal is pure noise


def test_a_change_that_stays_is_not_a_micro_expression(happy_face, aligner):
    """A brow raise that holds to the end of the clip is a macro expression: the return check drops it."""
    import cv2

    from reelmind.microexpr.align import face_mask
    from reelmind.microexpr.flow import make
    from reelmind.microexpr.spot import spot
    from reelmind.microexpr.synth import detect_face, still_clip
    from reelmind.microexpr.warp import warp

    frames = still_clip(happy_face, 2.0, 25.0, seed=5)
    gray = cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY)
    box = detect_face(gray)
    lm = aligner.landmarks(gray, box)
    for i in range(20, len(frames)):
        frames[i] = warp(frames[i], lm, "AU1+2", 0.1 * min(1.0, (i - 19) / 3))
    crops = [aligner.align(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), box).crop for f in frames]
    found, _, _ = spot(crops, 25.0, make("dis"), mask=face_mask(128))
    assert found == []


def test_strain_and_global_motion_removal():
    from reelmind.microexpr.flow import remove_global, strain

    yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    f = np.stack([0.5 + 0.01 * xx, -0.2 + 0.02 * yy], -1)
    f[20:30, 20:30] += 2.0
    r = remove_global(f)
    assert np.abs(r[:10, :10]).max() < 1e-4 and np.allclose(r[25, 25], 2.0, atol=1e-3)
    s = strain(np.stack([0.1 * xx, np.zeros_like(xx)], -1))
    assert np.allclose(s[5:-5, 5:-5], 0.1, atol=1e-5)


def test_flow_backends_agree_on_a_shift():
    import cv2

    from reelmind.microexpr.flow import BACKENDS, make

    rng = np.random.default_rng(0)
    a = cv2.GaussianBlur(rng.integers(0, 255, (96, 96)).astype(np.uint8), (7, 7), 2)
    b = np.roll(a, 2, axis=1)
    for name in BACKENDS.names():
        f = make(name)(a, b)
        assert abs(float(np.median(f[20:-20, 20:-20, 0])) - 2.0) < 0.3, name


def test_unknown_flow_backend_names_the_choices():
    from reelmind.core.errors import ConfigError
    from reelmind.microexpr.flow import make

    with pytest.raises(ConfigError, match="dis, farneback, tvl1"):
        make("raft")


def test_tracks_link_same_person_boxes():
    from reelmind.core.records import FaceTable
    from reelmind.microexpr.tracks import build_tracks, frame_ranges

    t = [0.0, 0.25, 0.5, 0.75, 3.0, 3.25, 0.0, 0.25]
    pid = [1, 1, 1, 1, 1, 1, 2, 2]
    box = [[10 + i, 10, 60 + i, 60] for i in range(8)]
    tracks = build_tracks(FaceTable(time=t, box=np.array(box, np.float32), det_conf=np.ones(8), person_id=pid), gap=0.6)
    assert [(tr.person_id, len(tr.times)) for tr in tracks] == [(1, 4), (2, 2), (1, 2)]
    assert np.allclose(tracks[0].box_at(0.125), [10.5, 10, 60.5, 60])
    assert tracks[0].box_at(2.0) is None
    assert frame_ranges(tracks) == [(0.0, 0.875), (2.875, 3.375)]
