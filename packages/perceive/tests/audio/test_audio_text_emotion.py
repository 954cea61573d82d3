"""Text emotion: the trained MiniLM head (English default), the DUTIR routes (Chinese), the old ensemble,
the user-supplied ONNX backend."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.core.errors import MissingModelError
from reelmind.core.records import TEXT_EMOTIONS
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.text_emotion import (
    ChineseLexicon,
    DistilRobertaOnnx,
    annotate,
    is_chinese,
    make_text_emotion,
    read_head,
)

EN = {
    "anger": "Get out! I never want to see your lying face again!",
    "disgust": "That is revolting, the meat is crawling with maggots.",
    "fear": "I'm terrified, there's someone outside the window.",
    "joy": "I am so happy to see you again, this is wonderful!",
    "neutral": "The train leaves at nine tomorrow.",
    "sadness": "My father died last week and I miss him so much.",
    "surprise": "Wow, I can't believe it, you're actually here!",
}
ZH = {
    "anger": "你怎么能这样对我，我非常愤怒！",
    "joy": "我今天太开心了，真高兴见到你！",
    "fear": "我好害怕，外面有人。",
    "sadness": "他去世了，我很伤心。",
    "neutral": "火车明天九点出发。",
    "disgust": "真恶心，这东西太脏了。",
    "surprise": "天哪，太意外了，我简直不敢相信！",
}


@pytest.fixture(scope="module")
def model():
    return make_text_emotion(AudioOptions())


def _labels(model, texts):
    probs = model.predict(texts)
    assert probs.shape == (len(texts), 7)
    assert np.allclose(probs.sum(axis=1), 1.0)
    return [TEXT_EMOTIONS[i] for i in probs.argmax(axis=1)]


def test_english_clear_sentences(model):
    assert model.name == "minilm-head"
    got = _labels(model, list(EN.values()))
    assert sum(g == w for g, w in zip(got, EN)) >= 6, list(zip(EN, got))


def test_the_issues_plain_lines_are_not_neutral(model):
    """The issue's two misses: a plain order to leave a house, a plain line about waiting in vain."""
    got = _labels(model, ["Get out of my house and never come back!", "I waited all night for him and he never came."])
    assert got == ["anger", "sadness"], got


def test_every_line_names_its_model(model):
    res = annotate(["I am so happy to see you!", "我今天太开心了！", ""], AudioOptions())
    en, zh, empty = res["models"]
    assert en.startswith("minilm-head:en-v") and "(head " in en and "encoder " in en
    assert zh.startswith("dutir-lexicon-v2") and empty == ""
    assert res["labels"][:2] == ["joy", "joy"] and res["labels"][2] == "neutral"
    assert res["meta"]["backend"] == "minilm-head"


def test_repeated_lines_are_encoded_once_with_the_same_result(model):
    texts = ["Yes.", "What?", "Yes.", "I hate you!", "What?"]
    probs = model.predict(texts)
    assert np.array_equal(probs[0], probs[2]) and np.array_equal(probs[1], probs[4])
    assert np.allclose(probs[3], model.predict(["I hate you!"])[0], atol=1e-6)


def test_head_file_is_checked(tmp_path):
    from reelmind.core.errors import DataFileError

    bad = tmp_path / "head.json"
    bad.write_text('{"classes": ["joy"], "W": [[0.0]], "b": [0.0]}')
    with pytest.raises(DataFileError, match="7 classes"):
        read_head(bad)
    bad.write_text("not json")
    with pytest.raises(DataFileError, match="not a text-emotion head"):
        read_head(bad)


def test_missing_encoder_names_the_set_up_step(tmp_path, monkeypatch):
    from reelmind.core import models
    from reelmind.perceive.audio.text_emotion import ENCODER, check

    monkeypatch.setenv("REELMIND_MODELS", str(tmp_path))
    with pytest.raises(MissingModelError, match="text_emotion setup"):
        models.resolve(ENCODER)
    assert any("text_emotion setup" in r for r in check())


def test_chinese_v2_negation_and_degree():
    lex = ChineseLexicon(2)
    happy, not_happy, very_happy = lex.predict(["我很开心", "我不开心", "我太开心了"])
    joy = TEXT_EMOTIONS.index("joy")
    assert happy.argmax() == joy and not_happy.argmax() != joy
    assert very_happy[joy] >= happy[joy]


def test_chinese_sentences_get_a_result_by_lexicon(model):
    assert all(is_chinese(t) for t in ZH.values()) and not is_chinese(EN["joy"])
    got = _labels(model, list(ZH.values()))
    assert sum(g == w for g, w in zip(got, ZH)) >= 6, list(zip(ZH, got))


def test_empty_text_is_neutral(model):
    probs = model.predict(["", "   "])
    assert np.all(probs.argmax(axis=1) == TEXT_EMOTIONS.index("neutral"))


def test_method_is_described(model):
    assert "MiniLM" in model.describe() and "DUTIR" in model.describe()


def test_previous_ensemble_still_runs_and_describes_itself():
    old = make_text_emotion(AudioOptions(text_emotion="ensemble"))
    assert "nade" in old.describe() and old.model_ids(["Hello there."])[0].startswith("ensemble:v1")
    assert old.predict(["I am furious, get out!"]).shape == (1, 7)


def test_distilroberta_without_weights_names_the_fix(tmp_path):
    with pytest.raises(MissingModelError, match="text_emotion_model"):
        DistilRobertaOnnx(str(tmp_path))


def test_distilroberta_onnx_backend_runs_a_real_exported_classifier(tmp_path):
    """A randomly initialised 7-label RoBERTa exported to ONNX goes through the same loader."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {w: i for i, w in enumerate(["<pad>", "<unk>", "i", "am", "so", "happy", "sad", "."])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    labels = ["sadness", "joy", "anger", "neutral", "fear", "surprise", "disgust"]  # not in our order
    cfg = transformers.RobertaConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=64, num_labels=7, pad_token_id=0,
                                     id2label=dict(enumerate(labels)), label2id={v: k for k, v in enumerate(labels)})
    net = transformers.RobertaForSequenceClassification(cfg).eval()
    cfg.to_json_file(str(tmp_path / "config.json"))
    ids = torch.tensor([[2, 3, 4, 5, 7]])
    mask = torch.ones_like(ids)
    torch.onnx.export(net, (ids, mask), str(tmp_path / "model.onnx"), input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}},
                      dynamo=False)
    backend = DistilRobertaOnnx(str(tmp_path))
    probs = backend.predict(["i am so happy .", "i am sad", ""])
    with torch.no_grad():
        ref = torch.softmax(net(input_ids=ids, attention_mask=mask).logits, -1).numpy()[0]
    assert probs.shape == (3, 7) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    reordered = ref[[labels.index(c) for c in TEXT_EMOTIONS]]
    assert np.allclose(probs[0], reordered, atol=1e-4)
