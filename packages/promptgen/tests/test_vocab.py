import pytest

from reelmind.core.errors import ConfigError
from reelmind.promptgen.vocab import LANGUAGES, load_vocabulary

CATEGORIES = {"confrontation", "accusation", "pleading", "solemn", "defiant", "threat", "command", "love", "hatred",
              "farewell", "apology", "grief", "gratitude", "fear", "disbelief", "interrogation", "mockery", "confession"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_the_18_patterns_and_every_cue_list(language):
    v = load_vocabulary(language)
    assert set(v.data["dialogue"]) == CATEGORIES
    for cat, spec in v.data["dialogue"].items():
        assert spec["patterns"] and v.phrases(f"dialogue.{cat}.cue"), cat
    for emo in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"):
        for tier in ("subtle", "moderate", "intense"):
            assert v.phrases(f"expression.{emo}.{tier}")
    for circle in ("INTIMATE", "CLOSE", "FRIENDS", "ACQUAINTANCE", "STRANGER", "solo", "unrelated"):
        assert v.phrases(f"composition.{circle}")


def test_patterns_of_both_languages_are_active_in_either():
    en, zh = load_vocabulary("en"), load_vocabulary("zh")
    for v in (en, zh):
        assert v.categories("How dare you lie to me!") == ["confrontation"]
        assert v.categories("你怎么敢这样对我！") == ["confrontation"]
        assert "pleading" in v.categories("求求你，别走")
        assert v.categories("As God is my witness, I'll never be hungry again.")[0] == "solemn"
        assert v.categories("The weather is mild.") == []
    assert en.phrases("dialogue.confrontation.cue") != zh.phrases("dialogue.confrontation.cue")


@pytest.mark.parametrize("line", ["Yes.", "OK!", "hello", "Oh, hello.", "Thank you.", "好的。", "你好", "  "])
def test_trivial_lines(line):
    assert load_vocabulary("en").is_trivial(line)


@pytest.mark.parametrize("line", ["Yes, I swear it.", "No way!", "Hello, you liar.", "我发誓"])
def test_lines_with_content_are_not_trivial(line):
    assert not load_vocabulary("en").is_trivial(line)


def test_user_vocabulary_overrides_a_cue_list(tmp_path):
    f = tmp_path / "cues.yaml"
    f.write_text("expression:\n  angry:\n    intense: [teeth bared]\n", encoding="utf-8")
    v = load_vocabulary("en", f)
    assert v.phrases("expression.angry.intense") == ("teeth bared",)
    assert v.phrases("expression.sad.intense") == load_vocabulary("en").phrases("expression.sad.intense")


def test_bad_vocabulary_files_name_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dialogue:\n  threat:\n    patterns: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dialogue.threat: bad pattern"):
        load_vocabulary("en", bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_vocabulary("en", tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="no vocabulary"):
        load_vocabulary("fr")
    with pytest.raises(ConfigError, match="no cue list at 'expression.angry.furious'"):
        load_vocabulary("en").phrases("expression.angry.furious")
