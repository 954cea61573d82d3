from hypothesis import given
from hypothesis import strategies as st

from reelmind.promptgen.trace import Fact, Phrase, cite, parse_source, q, render

TEMPLATES = {"join": ", ", "end": ".", "gap": " "}


def test_cite_reads_like_the_issue_and_parses_back():
    facts = (Fact("dataset", 37, "face_emotion", "angry"), Fact("dataset", 37, "arousal", q(0.8249)),
             Fact("moments", 12, "surprise", q(0.74)), Fact("dataset", 37, "dialogue", None),
             Fact("screenplay", 12, "kind", "action", 4))
    s = cite(facts)
    assert s == ("dataset:row 37 face_emotion=angry arousal=0.82 dialogue; moments:row 12 surprise=0.74; "
                 "screenplay:scene 12 line 4 kind=action")
    back = parse_source(s)
    assert [(f.table, f.row, f.field, f.line) for f in back] == [
        ("dataset", 37, "face_emotion", -1), ("dataset", 37, "arousal", -1), ("dataset", 37, "dialogue", -1),
        ("moments", 12, "surprise", -1), ("screenplay", 12, "kind", 4)]
    assert back[1].value == "0.82" and back[2].value is None
    assert cite(()) == "template"


@given(st.text(min_size=0, max_size=30))
def test_any_text_value_survives_the_round_trip(text):
    s = cite((Fact("kb", -1, "name", text), Fact("social", 3, "circle", "INTIMATE")))
    back = parse_source(s)
    assert back[0].value == text and back[1].value == "INTIMATE" and back[1].row == 3


def test_render_joins_dimensions_in_order_and_skips_empty_ones():
    ps = [Phrase("wide shot", "camera", "vocab:camera.wide"), Phrase("jaw clenched", "expression", "x"),
          Phrase("brow furrowed", "expression", "x"), Phrase("Ann slams the door.", "body", "screenplay:action")]
    out = render(ps, ("anchor", "expression", "body", "camera"), TEMPLATES)
    assert out == "jaw clenched, brow furrowed. Ann slams the door. wide shot."
