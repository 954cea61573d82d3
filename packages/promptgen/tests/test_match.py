"""Matching film lines to screenplay speeches: hit rate, the misattribution guard, windowing at scale."""

from pathlib import Path

import pytest

import promptgen_film as pf
from promptgen_bigscript import generate
from reelmind.promptgen.screenplay.match import MatchOptions, match_lines, partial_ratio
from reelmind.promptgen.screenplay.parse import parse_fountain

GT = Path(__file__).parent / "data" / "groundtruth.fountain"


def film_lines(ds):
    rows = list(range(len(ds)))
    return [str(t) for t in ds.dialogue], rows, [str(c) for c in ds.character]


def test_ground_truth_script_hits_at_least_five_sixths_and_rejects_the_misattributed_line():
    sp = parse_fountain(GT.read_text(encoding="utf-8"))
    rep = match_lines(*film_lines(pf.dataset()), sp)
    assert rep.hit_rate >= 5 / 6 and rep.hit == 10 and rep.lines == 11
    assert rep.cast == {"ann": "person_1", "bea": "person_2", "cleo": "person_4", "dan": "person_3"}
    bad = rep.matches[8]  # the script gives cleo's line to DAN
    assert bad.status == "misattributed" and not bad.used and (bad.speaker, bad.character) == ("DAN", "person_4")
    assert [m.row for m in rep.misattributed] == [8]
    assert all(rep.matches[r].status == "matched" for r in range(11) if r != 8)


def test_lower_policy_keeps_a_contradicted_match_at_half_confidence_if_still_above_threshold():
    sp = parse_fountain(GT.read_text(encoding="utf-8"))
    rep = match_lines(*film_lines(pf.dataset()), sp, MatchOptions(misattribution="lower", lower_factor=0.6))
    assert rep.matches[8].status == "unverified" and rep.matches[8].score == pytest.approx(0.6)
    rep = match_lines(*film_lines(pf.dataset()), sp, MatchOptions(misattribution="lower", lower_factor=0.5))
    assert rep.matches[8].status == "misattributed"


def test_names_that_equal_the_films_labels_fix_the_cast():
    sp = parse_fountain("INT. ROOM - DAY\n\nPERSON_2\nHow dare you!\n\nPERSON_1\nI never expected that.\n")
    rep = match_lines(["How dare you!", "I never expected that."], [0, 1], ["person_1", "person_2"], sp)
    assert rep.cast == {"person_1": "person_1", "person_2": "person_2"}  # by name, not by the (contradicting) votes
    assert rep.hit == 0 and len(rep.misattributed) == 2


def test_asr_split_and_merged_lines_still_match():
    sp = parse_fountain("INT. ROOM - DAY\n\nANN\nI waited all night for your letter and now the house burns.\n\n"
                        "BOB\nHold on.\n\nBOB\nDo not look back.\n")
    texts = ["I waited all night for your letter", "and now the house burns", "hold on do not look back"]
    rep = match_lines(texts, [0, 1, 2], ["a", "a", "b"], sp)
    assert [rep.matches[r].speech for r in range(3)] == [0, 0, 1]
    assert partial_ratio("and now the house burns", "iwaitedallnightforyourletterandnowthehouseburns") < 1.0


def test_another_language_or_another_film_matches_nothing():
    sp = parse_fountain("INT. CUISINE - JOUR\n\nMARIE\nJe ne t'attendais plus, va-t'en.\n\nPAUL\nPardonne-moi, je t'en prie.\n")
    rep = match_lines(*film_lines(pf.dataset()), sp)
    assert rep.hit == 0 and rep.hit_rate == 0.0


def test_a_feature_length_script_matches_in_order_with_bounded_windows():
    fountain, film, source = generate(scenes=300, lines=400, seed=3)
    sp = parse_fountain(fountain)
    texts = [t for t, _ in film]
    rep = match_lines(texts, list(range(len(texts))), [w for _, w in film], sp)
    right = sum(1 for i, j in enumerate(source) if j >= 0 and rep.matches.get(i) and rep.matches[i].speech == j)
    assert right / sum(1 for j in source if j >= 0) > 0.9
    invented = [i for i, j in enumerate(source) if j < 0]
    assert invented and not any(rep.matches[i].used for i in invented if i in rep.matches)


def test_asr_fragments_are_neither_matched_nor_counted():
    sp = parse_fountain(GT.read_text(encoding="utf-8"))
    texts = ["This is the worst", "day,", "I", "hate it."]
    rep = match_lines(texts, [0, 1, 2, 3], ["person_2"] * 4, sp)
    assert rep.lines == 2 and rep.too_short == 2 and set(rep.matches) == {0, 3}
    assert rep.matches[0].speech == rep.matches[3].speech == 5  # parts of "This is the worst day, I hate it."
