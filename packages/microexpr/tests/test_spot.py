"""MDMD spotting and AU proxies on SYNTHETIC events planted in a real still photo."""

import numpy as np
import pytest


@pytest.mark.parametrize("au", ["AU12", "AU9", "AU1+2"])
def test_planted_event_is_spotted_with_its_au(happy_face, aligner, still_crops, au):
    from reelmind.microexpr.align import eye_mask, face_mask
    from reelmind.microexpr.au import au_proxy
    from reelmind.microexpr.evaluate import iou
    from reelmind.microexpr.flow import make, remove_global
    from reelmind.microexpr.spot import spot
    from reelmind.microexpr.synth import Plant

    p = Plant(22, 5, au, 0.1)
    crops, lms = still_crops(happy_face, aligner, p)
    flow = make("dis")
    found, sig, thr = spot(crops, 25.0, flow, mask=face_mask(128), eye_mask=eye_mask(128), landmarks=np.stack(lms))
    assert len(found) == 1, [(f.onset, f.offset) for f in found]
    ev = found[0]
    assert iou((ev.onset, ev.offset), (p.onset, p.offset)) >= 0.5
    assert ev.au == au  # the AU whose evidence spotted it
    proxy = au_proxy(lms[ev.onset - 1], remove_global(flow(crops[ev.onset - 1], crops[ev.apex])), 128)
    assert proxy.au.startswith(au + " "), proxy


def test_nothing_planted_nothing_spotted(happy_face, aligner, still_crops):
    from reelmind.microexpr.align import face_mask
    from reelmind.microexpr.flow import make
    from reelmind.microexpr.spot import SpotSettings, spot

    crops, lms = still_crops(happy_face, aligner, None, seed=3)
    found, sig, thr = spot(crops, 25.0, make("dis"), mask=face_mask(128), landmarks=np.stack(lms))
    assert found == []
    s = SpotSettings()
    assert not ((sig.au.z > s.au_z) & (sig.au.residual > s.au_min))[sig.valid].any()  # not even a candidate in noise


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
    aligned = [aligner.align(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), box) for f in frames]
    found, _, _ = spot([a.crop for a in aligned], 25.0, make("dis"), mask=face_mask(128),
                       landmarks=np.stack([a.landmarks for a in aligned]))
    assert found == []


def test_au_intervals_keep_a_bump_not_a_step_nor_a_jump():
    """The AU-evidence rule on hand-made series: a 6-frame bump over noise is an event with its
    bounds; a step (a change that stays) and a bump whose landmarks jump (an occlusion) are not."""
    from reelmind.microexpr.evaluate import iou
    from reelmind.microexpr.spot import AuSignal, SpotSettings, au_intervals, residuals, robust_noise

    rng = np.random.default_rng(0)
    n, fps = 75, 25.0
    s = SpotSettings(max_jump=0.06)
    ev = rng.normal(0, 0.002, (n, 6))
    ev[30:36, 2] += 0.04 * np.sin(np.pi * (np.arange(6) + 0.5) / 6)  # AU12 bump, frames 30-35
    ev[50:, 4] += 0.04  # AU9 step from frame 50
    valid = np.ones(n, bool)
    res = residuals(ev, 12)
    sig = AuSignal(ev, res, res / np.maximum(robust_noise(res, valid, 25, 6), s.au_floor))
    lms = np.tile(np.random.default_rng(1).uniform(20, 100, (68, 2)), (n, 1, 1))
    found = au_intervals(sig, valid, fps, s, lms, 128)
    assert [j for _, j in found] == [2]  # AU12 only: the step is not an event
    assert iou((found[0][0].onset, found[0][0].offset), (30, 35)) >= 0.6
    lms[32, 48:68] += 8.0  # the mouth landmarks jump 8 px (0.16 IOD) for one frame
    assert au_intervals(sig, valid, fps, s, lms, 128) == []


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


def test_threshold_is_local_and_ignores_the_event_itself():
    """A strong movement 4 s away does not hide a weak event; the event does not raise its own bar."""
    from reelmind.microexpr.spot import candidates, thresholds

    rng = np.random.default_rng(0)
    fps = 25.0
    s = np.abs(rng.normal(0.1, 0.03, 300)).astype(np.float32)
    s[50:56] = [1, 3, 6, 6, 3, 1]  # a smile onset, a hand...
    s[150:155] = [0.3, 0.5, 0.6, 0.5, 0.3]  # the weak event
    valid = np.ones(300, bool)
    thr = thresholds(s, valid, half=25, hole=6, p=0.1, noise_factor=3.0, floor=0.3)
    assert thr[152] < 0.6
    assert 152 in candidates(s, thr)
    whole = thresholds(s, valid, half=300, hole=0, p=0.1, noise_factor=3.0, floor=0.3)  # one threshold for the track
    assert whole[152] > 0.6


def test_edge_finds_where_the_face_is_back():
    from reelmind.microexpr.spot import edge

    steps, plateau = edge(np.array([0.3, 0.6, 1.0, 0.98, 1.02, 1.0, 0.99, 1.0]), 0.7)
    assert steps == 2 and plateau == pytest.approx(1.0, abs=0.02)
    assert edge(np.array([1.0, 1.0, 1.0]), 0.7)[0] == 0  # the apex is the last moving frame
    assert edge(np.array([]), 0.7) == (0, 0.0)


def test_eye_rows_are_the_brow_and_eye_rows():
    from reelmind.microexpr.spot import eye_rows

    assert list(eye_rows(128, 6)) == [0, 1]


def test_tracks_follow_the_face_track_ids_and_fuse_finds_the_person():
    """face_tracks (no person ids): one track per faces-stage track; fuse gives an event the person of
    the faces row at its apex whose box overlaps the event's box."""
    from reelmind.core.records import FaceTable, MicroEventTable
    from reelmind.fuse.micro import persons_of
    from reelmind.microexpr.tracks import build_tracks

    t = np.repeat(np.arange(0, 1.0, 0.25), 2)
    box = np.array([[10, 10, 60, 60], [200, 10, 250, 60]] * 4, np.float32)
    tracks = build_tracks(FaceTable(time=t, box=box, det_conf=np.ones(8), track=np.array([4, 7] * 4)))
    assert sorted((tr.source_id, tr.person_id, len(tr.times)) for tr in tracks) == [(4, -1, 4), (7, -1, 4)]
    faces = FaceTable(time=t, box=box, det_conf=np.ones(8), person_id=np.array([3, 5] * 4), person=["ann", "bob"] * 4)
    ev = MicroEventTable(person_id=[-1, -1, -1], onset=[0.3, 0.3, 0.3], apex=[0.4, 0.45, 0.4], offset=[0.5, 0.5, 0.5],
                         box=np.array([[201, 11, 251, 61], [12, 10, 61, 60], [400, 400, 450, 450]], np.float32))
    pid, label = persons_of(ev, faces)
    assert list(pid) == [5, 3, -1] and list(label[:2]) == ["bob", "ann"]


def test_two_sided_baseline_keeps_a_bump_next_to_a_step_at_the_window_start():
    """single_face's misses (round 4): a brief AU near the start of a track, just before a smile
    onset; the running median (one-sided there, pulled up by the step) hides it and turns the step
    into a negative residual; the two-sided measure keeps the bump and gives the step nothing."""
    from reelmind.microexpr.evaluate import iou
    from reelmind.microexpr.spot import (AuSignal, SpotSettings, au_intervals, au_residual, residuals, robust_noise,
                                         side_reach, two_sided)

    rng = np.random.default_rng(0)
    n, fps = 72, 30.0
    ev = rng.normal(0, 0.002, (n, 6))
    ev[8:14, 2] += 0.03 * np.sin(np.pi * (np.arange(6) + 0.5) / 6)  # AU12 bump, frames 8-13
    ev[16:, 2] += 0.18 * np.clip((np.arange(16, n) - 15) / 4, 0, 1)  # a smile onset from frame 16
    ev[40:, 4] += 0.05  # AU9 step
    valid = np.ones(n, bool)
    valid[:4] = valid[-4:] = False

    def events(res, s):
        sig = AuSignal(ev, res, res / np.maximum(robust_noise(res, valid, 30, 7), s.au_floor))
        return [(iv.onset, iv.offset, j) for iv, j in au_intervals(sig, valid, fps, s)]

    assert not any(j == 2 and iou((a, b), (8, 13)) >= 0.5
                   for a, b, j in events(residuals(ev, 15), SpotSettings(au_baseline="median")))
    s = SpotSettings(au_baseline="sides")
    sides = two_sided(ev, side_reach(fps, s), 3)
    assert sides[10:12, 2].max() > 0.02 and abs(sides[44:60, 4]).max() < 0.01  # the bump stands out, the step does not
    found = events(sides, s)
    assert [j for _, _, j in found] == [2] and iou(found[0][:2], (8, 13)) >= 0.5
    # the default ("ends"): two-sided only within 0.5 s of the window's ends, the running median inside
    s = SpotSettings()
    ends = au_residual(ev, fps, s)
    assert np.array_equal(ends[:15], sides[:15]) and np.array_equal(ends[15:-15], residuals(ev, 15)[15:-15])
    found = events(ends, s)
    assert [j for _, _, j in found] == [2] and iou(found[0][:2], (8, 13)) >= 0.5


def test_merged_chain_longer_than_a_micro_expression_can_be_dropped():
    from reelmind.microexpr.spot import Interval, merge, not_too_long

    ivs = [Interval(10, 12, 14, 6.0), Interval(17, 18, 20, 7.0), Interval(23, 25, 27, 5.0), Interval(50, 51, 53, 6.0)]
    merged = merge(ivs, 3)  # 25 fps: 10-27 is 18 frames = 0.72 s
    assert [(iv.onset, iv.offset) for iv in merged] == [(10, 27), (50, 53)]
    assert [(iv.onset, iv.offset) for iv in not_too_long(merged, 25.0, 0.5)] == [(50, 53)]


def test_events_of_other_regions_merge_only_when_they_share_frames_with_merge_regions_off():
    from reelmind.microexpr.spot import Interval, merge

    ivs = [Interval(6, 10, 17, 6.0, au="AU24"), Interval(18, 19, 21, 5.5, au="AU1+2"),
           Interval(20, 22, 24, 7.0, au="AU4"), Interval(40, 42, 44, 5.0, au="AU12"), Interval(46, 47, 48, 5.0, au="AU15")]
    both = lambda m: [(iv.onset, iv.offset, iv.au) for iv in m]  # noqa: E731
    # default: everything within 3 frames merges, whatever the region
    assert both(merge(ivs, 3)) == [(6, 24, "AU4"), (40, 48, "AU12")]
    # regions apart: the brow events (18-21, 20-24) merge with each other, not with the lip press
    # before them; the two mouth events still merge across their 1-frame gap
    assert both(merge(ivs, 3, 0)) == [(6, 17, "AU24"), (18, 24, "AU4"), (40, 48, "AU12")]
    # sharing a frame merges across regions
    assert both(merge([Interval(6, 10, 18, 6.0, au="AU24"), Interval(18, 19, 21, 7.0, au="AU1+2")], 3, 0)) == [(6, 21, "AU1+2")]


def test_quantile_noise_raises_the_bar_of_a_heavy_tailed_series_only():
    """``au_noise_q``: a series that is still most of the time and moves briefly and much every
    third frame (a speaking mouth) has a small MAD; the quantile scale sees its movements, so a
    bump of that size no longer stands out there, while a bump over Gaussian noise still does."""
    from reelmind.microexpr.options import MicroOptions
    from reelmind.microexpr.spot import AuSignal, SpotSettings, au_intervals, residuals, robust_noise

    rng = np.random.default_rng(0)
    n, fps = 75, 25.0
    ev = rng.normal(0, 0.002, (n, 6))
    ev[::3, 5] += 0.02 * np.where(np.arange(0, n, 3) % 2, 1, -1)  # AU24 column: brief movements every 3rd frame
    for j in (2, 5):  # a 5-frame bump on the quiet AU12 column and on the busy AU24 one
        ev[40:45, j] += 0.035 * np.sin(np.pi * (np.arange(5) + 0.5) / 5)
    valid = np.ones(n, bool)
    res = residuals(ev, 12)
    mad = robust_noise(res, valid, 25, 6)
    qn = robust_noise(res, valid, 25, 6, 0.75)
    assert np.all(qn >= mad)
    quiet = [0, 1, 2, 3, 4]
    assert np.median(qn[:, quiet] / mad[:, quiet]) < 1.2  # Gaussian: about the same scale
    assert np.median(qn[:, 5] / mad[:, 5]) > 2.0  # heavy-tailed: several times the MAD's

    def aus(noise, s):
        return sorted({j for _, j in au_intervals(AuSignal(ev, res, res / np.maximum(noise, s.au_floor)), valid, fps, s)})

    s = SpotSettings()
    assert aus(mad, s) == [2, 5]  # the MAD lets the busy column's bump through
    assert aus(qn, SpotSettings(au_noise_q=0.75)) == [2]  # the quantile scale: only the quiet column's
    assert SpotSettings.of(MicroOptions(au_noise_q=0.75)).au_noise_q == 0.75
