"""Speaker cluster <-> person id linking by co-occurrence lift."""

import numpy as np

from reelmind.fuse.identity import link_speakers, prominence


def test_prominence_is_one_for_the_longest_largest_face():
    count = np.array([[4, 2, 0]])
    area = np.array([[100.0, 400.0, 0.0]])
    p = prominence(count, area)
    assert p[0, 2] == 0 and p[0, 0] == 0.25 and p[0, 1] == 0.5


def test_ever_present_listener_is_not_linked():
    # person 2 is on screen, large, during every line; persons 0/1 appear with their own voices only
    spk = np.array([0, 1, 0, 1, 0, 1])
    prom = np.array([[0.9, 0, 1], [0, 0.9, 1], [0.8, 0, 1], [0, 0.7, 1], [1, 0, 1], [0, 1, 1]], dtype=float)
    m = link_speakers(spk, 2, prom, min_lift=0.1)
    assert m.person_of.tolist() == [0, 1]
    assert abs(m.lift[0, 2]) < 1e-9


def test_more_speakers_than_persons_and_weak_evidence():
    spk = np.array([0, 1, 2, 2])
    prom = np.array([[1.0], [0.0], [0.05], [0.0]])
    m = link_speakers(spk, 3, prom, min_lift=0.1)
    assert m.person_of.tolist() == [0, -1, -1]
    assert link_speakers(np.array([0, 0]), 1, np.zeros((2, 0)), 0.1).person_of.tolist() == [-1]
