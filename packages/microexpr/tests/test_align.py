"""Alignment along a track: the crops do not depend on how the faces stage's box moves between anchors."""

import numpy as np


def _clip(image, n, seed=0):
    import cv2

    from reelmind.microexpr.synth import still_clip

    return [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in still_clip(image, n / 25.0, 25.0, seed=seed)]


def _follow(aligner, frames, boxes, smooth=2):
    from reelmind.microexpr.align import TrackAligner

    ta = TrackAligner(aligner, smooth)
    out = []
    for i, (g, b) in enumerate(zip(frames, boxes)):
        out += ta.push(i / 25.0, g, b)
    out += ta.flush()
    return ta, out


def test_followed_crops_ignore_the_stage_box_between_anchors(happy_face, aligner):
    """The same frames with the faces stage's box steady or jittering by a few px (a followed box
    against a detection) give the same crops; aligning from the box itself does not."""
    import cv2

    from reelmind.microexpr.synth import detect_face

    frames = _clip(happy_face, 12)
    box = np.asarray(detect_face(cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY)), float)
    rng = np.random.default_rng(1)
    steady = [box] * len(frames)
    jitter = [box] + [box + rng.uniform(-5, 5, 4) for _ in frames[1:]]
    ta_a, a = _follow(aligner, frames, steady)
    ta_b, b = _follow(aligner, frames, jitter)
    assert [t for t, _, _ in a] == [i / 25.0 for i in range(len(frames))]  # every frame, in order
    assert ta_a.anchors == ta_b.anchors == 1
    assert all(np.array_equal(x.crop, y.crop) for (_, x, _), (_, y, _) in zip(a, b))
    per_box = [aligner.align(g, bx).crop for g, bx in zip(frames, jitter)]
    assert not all(np.array_equal(x.crop, y) for (_, x, _), y in zip(a, per_box))


def test_a_lost_face_is_anchored_again_on_the_stage_box(happy_face, aligner):
    """When the face jumps (a cut to the same face elsewhere) the followed box no longer overlaps the
    stage's: the track is anchored again and the crops show the face as before."""
    import cv2

    from reelmind.microexpr.synth import detect_face

    h, w = happy_face.shape[:2]
    left, right = np.zeros((h, 2 * w, 3), np.uint8), np.zeros((h, 2 * w, 3), np.uint8)
    left[:, :w], right[:, w:] = happy_face, happy_face
    frames = _clip(left, 6) + _clip(right, 6, seed=1)
    box = np.asarray(detect_face(cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY)), float)
    boxes = [box] * 6 + [box + [w, 0, w, 0]] * 6
    ta, out = _follow(aligner, frames, boxes, smooth=1)
    assert ta.anchors == 2
    assert [n for _, _, n in out] == [1] * 6 + [2] * 6  # two alignment segments, split at the jump
    crops = np.array([a.crop for _, a, _ in out], np.float32)
    assert np.abs(crops[8] - crops[2]).mean() < 3.0  # the same face, aligned the same way


def test_a_still_track_is_aligned_steadier_with_smoothing(happy_face, aligner):
    """On a still face the per-frame fits jitter with the sensor noise; the mean alignment over the
    neighbouring frames keeps the crops steadier (their frame-to-frame change is smaller)."""
    import cv2

    from reelmind.microexpr.synth import detect_face

    frames = _clip(happy_face, 16, seed=2)
    box = np.asarray(detect_face(cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY)), float)
    change = {}
    for smooth in (0, 6):
        _, out = _follow(aligner, frames, [box] * len(frames), smooth=smooth)
        crops = np.array([a.crop for _, a, _ in out], np.float32)
        change[smooth] = float(np.abs(np.diff(crops, axis=0)).mean())
    assert change[6] < change[0], change


def test_the_followed_box_moves_with_the_face(happy_face, aligner):
    """A face sliding 2 px a frame: the followed box moves with it (the translation between the patches)."""
    import cv2

    from reelmind.microexpr.align import TrackAligner, image_shift
    from reelmind.microexpr.synth import detect_face

    gray = cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY)
    box = np.asarray(detect_face(gray), float)
    frames = [cv2.warpAffine(gray, np.float32([[1, 0, 2.0 * i], [0, 1, -1.0 * i]]), gray.shape[::-1]) for i in range(8)]
    shift, cc = image_shift(frames[0], frames[1], box)
    assert np.allclose(shift, [2.0, -1.0], atol=0.2) and cc > 0.9
    ta = TrackAligner(aligner)
    for i, g in enumerate(frames):
        ta.push(i / 25.0, g, box)  # the stage's box stays put: only the image moves the followed one
    assert ta.anchors == 1
    assert np.allclose(ta.box - box, [14.0, -7.0, 14.0, -7.0], atol=1.0)


def test_a_cut_inside_the_stage_box_starts_a_new_segment(happy_face, aligner):
    """A shot cut where the faces stage's box stays put (its track runs across the cut): the image
    motion of the patch cannot be trusted (ECC correlation under ``min_ecc``), so the track is
    anchored again instead of following a shift read across two shots."""
    import cv2

    from reelmind.microexpr.align import image_shift
    from reelmind.microexpr.synth import detect_face

    gray = cv2.cvtColor(happy_face, cv2.COLOR_RGB2GRAY)
    box = np.asarray(detect_face(gray), float)
    other = cv2.flip(gray, -1)  # another shot: the frame upside down
    frames = _clip(happy_face, 5) + [cv2.GaussianBlur(other, (0, 0), 1.0)] * 3
    assert image_shift(frames[4], frames[5], box)[1] < 0.8
    ta, out = _follow(aligner, frames, [box] * len(frames), smooth=0)
    assert ta.anchors == 2
    assert [n for _, _, n in out] == [1] * 5 + [2] * 3
