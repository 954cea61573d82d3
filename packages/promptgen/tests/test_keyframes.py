import numpy as np

from reelmind.promptgen.keyframes import KeyframeOptions, LineFacts, chapters, score_line, select_keyframes
from reelmind.promptgen.vocab import load_vocabulary

V = load_vocabulary("en")


def line(row, text="The weather is mild today.", **kw):
    return LineFacts(row, float(row), text, **kw)


def test_sudden_transition_adds_two():
    plain, _, _, _ = score_line(line(0), V, KeyframeOptions())
    sudden, rules, _, _ = score_line(line(0, sudden=True), V, KeyframeOptions())
    assert sudden - plain == 2.0 and "SUDDEN transition +2.0" in rules


def test_surprise_above_06_is_included_whatever_the_score():
    o = KeyframeOptions(min_score=5.0)
    kfs, _ = select_keyframes([line(0, surprise=0.61), line(1, surprise=0.6)], np.zeros(2, int), V, o)
    assert [k.row for k in kfs] == [0] and kfs[0].included
    assert any("LSTM surprise 0.61 > 0.60: included" in r for r in kfs[0].rules)


def test_dramatic_patterns_score_and_trivial_lines_never_qualify():
    score, rules, _, _ = score_line(line(0, "How dare you! I hate you."), V, KeyframeOptions())
    assert score == 1.5 + 1.4 and rules == ("dialogue pattern confrontation +1.5", "dialogue pattern hatred +1.4")
    kfs, summary = select_keyframes([line(0, "OK.", sudden=True, surprise=0.9), line(1, "Hello!", conflict=True)],
                                    np.zeros(2, int), V, KeyframeOptions())
    assert kfs == [] and summary["trivial"] == 2


def test_at_most_three_per_chapter_best_first_then_time_ordered():
    lines = [line(i, "How dare you!", arousal=a) for i, a in enumerate([0.1, 0.9, 0.5, 0.8, 0.2])]
    lines.append(line(5, "The weather is mild today.", surprise=0.7))  # included, low score
    chap = np.zeros(6, int)
    kfs, summary = select_keyframes(lines, chap, V, KeyframeOptions())
    assert [k.row for k in kfs] == [1, 3, 5]  # the included line, then the two best, in time order
    assert summary["over_chapter_limit"] == 3
    assert kfs[0].rules[-1] == "rank 2 of 6 in chapter 0" and kfs[2].rules[-1] == "rank 1 of 6 in chapter 0"
    kfs2, _ = select_keyframes(lines, np.array([0, 0, 0, 1, 1, 1]), V, KeyframeOptions(max_per_chapter=1))
    assert [k.row for k in kfs2] == [1, 5]


def test_chapters_from_scene_starts_or_fixed_spans():
    t = np.array([0.0, 5.0, 19.9, 20.0, 75.0, 130.0])
    assert chapters(t, np.array([20.0, 0.0, 100.0]), 60).tolist() == [0, 0, 0, 1, 1, 2]
    assert chapters(t, None, 60.0).tolist() == [0, 0, 0, 0, 1, 2]
