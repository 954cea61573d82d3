"""The planted-event evaluation (SYNTHETIC events in real media) on a small subset: one report still,
one event per duration, each a different AU, and the unplanted clip. The full grid over every source
is packages/microexpr/benchmarks/spotting_eval.py (figures in bench/RESULTS.md)."""

import dataclasses

import pytest

pytestmark = pytest.mark.slow


def test_planted_subset_is_spotted_with_its_au(tmp_path):
    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.options import MicroOptions
    from reelmind.microexpr.planted import AMOUNT, Harness, sources
    from reelmind.microexpr.synth import Plant

    src = dataclasses.replace(sources("report", "still_hao")[0], plain_seconds=0.0)
    plants = [Plant(14, 3, "AU12", AMOUNT), Plant(33, 6, "AU9", AMOUNT), Plant(50, 10, "AU1+2", AMOUNT)]
    h = Harness(MicroChannel(MicroOptions(recogniser="", visualise=False)), tmp_path)
    r = h.run(src, plants)
    s = r.summary()
    assert s["hits"] == 3, [(t.plant, t.spotted, t.aus) for t in r.trials]
    assert s["au_accuracy"] == 1.0 and s["mean_iou_hits"] >= 0.6
    assert r.plain_events == [] and s["extra_events_planted"] == 0


def test_grid_spreads_durations_positions_and_aus():
    from reelmind.microexpr.planted import grid, summarise

    plants = grid(90, 30.0, durations=(0.1, 0.4), positions=3, aus=("AU12", "AU4"))
    assert len(plants) == 2 * 3 * 2
    assert {p.frames for p in plants} == {3, 12}
    assert all(13 <= p.onset and p.offset <= 90 - 13 for p in plants)
    assert summarise([])["trials"] == 0


def test_splits_are_disjoint_and_name_their_media():
    from reelmind.microexpr.planted import sources

    report, tune = sources("report"), sources("tune")
    assert {s.name for s in report} == {"single_face", "carphone", "still_hao", "still_di", "still_astronaut"}
    assert not {s.media for s in report} & {s.media for s in tune}
    assert not any("face_noface" in s.media for s in report + tune)  # same recording as single_face.mp4
