"""The seed's rules, one by one, with the values it gives."""

import pytest

from reelmind.promptgen import dimensions as dims
from reelmind.promptgen.dimensions import DimensionOptions
from reelmind.promptgen.trace import Fact
from reelmind.promptgen.vocab import load_vocabulary

V = load_vocabulary("en")
O = DimensionOptions()


def fact(field, value, row=37):
    return Fact("dataset", row, field, value)


def texts(phrases):
    return ", ".join(p.text for p in phrases)


def test_expression_anger_at_082_is_jaw_clenched_brow_furrowed():
    out = dims.expression(V, O, emotion=fact("face_emotion", "angry"), arousal=fact("arousal", 0.82))
    assert texts(out).startswith("jaw clenched, brow furrowed")
    assert all(p.source == "dataset:row 37 face_emotion=angry arousal=0.82" for p in out)
    assert out[0].rule == "vocab:expression.angry.intense"


@pytest.mark.parametrize("arousal,tier", [(0.1, "subtle"), (0.39, "subtle"), (0.4, "moderate"), (0.69, "moderate"),
                                          (0.7, "intense"), (None, "moderate")])
def test_intensity_tiers(arousal, tier):
    assert dims.intensity_tier(arousal, O) == tier


def test_text_emotion_labels_map_onto_face_cues():
    out = dims.expression(V, O, emotion=fact("text_emotion", "sadness"), arousal=fact("arousal", 0.8))
    assert out[0].rule == "vocab:expression.sad.intense"
    assert dims.expression(V, O, emotion=fact("face_emotion", ""), arousal=fact("arousal", 0.8)) == []


@pytest.mark.parametrize("a,d,key", [(0.8, 0.7, "assertive"), (0.8, 0.3, "agitated"), (0.8, 0.5, "energetic"),
                                     (0.8, None, "energetic"), (0.5, 0.7, "confident"), (0.5, 0.5, "composed"),
                                     (0.2, 0.3, "withdrawn"), (0.2, 0.6, "still"), (None, 0.9, "")])
def test_posture_rule(a, d, key):
    assert dims.posture(a, d, O) == key


def test_body_high_energy_assertive_and_word_count_modifiers():
    out = dims.body(V, O, arousal=fact("arousal", 0.8), dominance=fact("dominance", 0.7), words=fact("words", 3))
    assert texts(out).startswith("high-energy, assertive posture")
    assert out[-1].text == "a brief economical gesture" and out[-1].source == "dataset:row 37 words=3"
    long = dims.body(V, O, arousal=fact("arousal", 0.5), dominance=fact("dominance", 0.5), words=fact("words", 26))
    assert long[-1].text == "animated hand gestures"
    mid = dims.body(V, O, arousal=fact("arousal", 0.5), dominance=fact("dominance", 0.5), words=fact("words", 25))
    assert [p.rule for p in mid] == ["vocab:body.composed"]


def test_word_count_counts_chinese_two_characters_a_word():
    assert dims.word_count("I hate you! Get out, you liar!") == 7
    assert dims.word_count("你怎么敢这样对我") == 4


@pytest.mark.parametrize("v,a,mood", [(-0.3, 0.7, "tense"), (-0.3, 0.5, "somber"), (0.4, 0.8, "vibrant"),
                                      (0.4, 0.3, "serene"), (0.0, 0.9, "charged"), (0.05, 0.2, "calm")])
def test_atmosphere_quadrants(v, a, mood):
    assert dims.mood(v, a, O) == mood


def test_atmosphere_negative_and_aroused_is_tense_high_contrast_cool():
    out = dims.atmosphere(V, O, valence=fact("valence", -0.3), arousal=fact("arousal", 0.7))
    assert texts(out).startswith("tense, high contrast, cool lighting")


def test_composition_from_the_dunbar_circle():
    circle = Fact("social", 4, "circle", "INTIMATE")
    out = dims.composition(V, O, circle=circle, intimacy=Fact("social", 4, "intimacy", 0.81))
    assert out[0].text == "intimate two-shot" and out[0].source == "social:row 4 circle=INTIMATE intimacy=0.81"
    far = dims.composition(V, O, circle=Fact("social", 5, "circle", "STRANGER"))
    assert texts(far) == "wide shot, at frame edges"
    alone = dims.composition(V, O, listeners=fact("listeners", 0))
    assert texts(alone) == "single figure in frame"
    unknown = dims.composition(V, O, listener=fact("listener", "person_2"), listeners=fact("listeners", 1))
    assert unknown[0].rule == "vocab:composition.unrelated"


def test_camera_scale_and_the_dutch_angle_override():
    assert texts(dims.camera(V, O, arousal=fact("arousal", 0.9))) == "extreme close-up, fast zoom-in"
    assert texts(dims.camera(V, O, arousal=fact("arousal", 0.85))) == "close-up, slow push-in"
    assert texts(dims.camera(V, O, arousal=fact("arousal", 0.2))) == "wide shot, slow pan"
    dutch = dims.camera(V, O, arousal=fact("arousal", 0.9), surprise=Fact("moments", 3, "surprise", 0.75))
    assert texts(dutch) == "extreme close-up, dutch angle"
    assert dutch[-1].source == "moments:row 3 surprise=0.75"
    assert texts(dims.camera(V, O, arousal=fact("arousal", 0.9), surprise=Fact("moments", 3, "surprise", 0.7))) == \
        "extreme close-up, fast zoom-in"


def test_dialogue_action_from_patterns_then_the_line():
    out = dims.dialogue_action(V, O, dialogue=fact("dialogue", "How dare you! I swear you will regret this."))
    rules = [p.rule for p in out]
    assert rules[0] == "vocab:dialogue.confrontation.cue" and "vocab:dialogue.solemn.cue" in rules
    assert "vocab:dialogue.threat.cue" not in rules  # at most max_dialogue_cues categories
    assert out[-1].text == 'says "How dare you! I swear you will regret this."' and out[-1].rule == "template:says"
    assert out[-1].source == "dataset:row 37 dialogue"
    zh = dims.dialogue_action(load_vocabulary("zh"), O, dialogue=fact("dialogue", "求求你，别走！"))
    assert zh[0].text == "双手合握" and zh[-1].text == "说：“求求你，别走！”"


def test_personality_extremes_only():
    assert dims.personality(V, O, trait=Fact("personality", 4, "N", 0.72))[0].text == "tense volatile energy"
    assert dims.personality(V, O, trait=Fact("personality", 1, "C", 0.3))[0].text == "restless impulsive movements"
    assert dims.personality(V, O, trait=Fact("personality", 2, "E", 0.5)) == []
