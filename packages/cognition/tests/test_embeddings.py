import numpy as np
import pytest

from reelmind.core import MissingModelError, models
from reelmind.cognition.embeddings import DIM, Embedder, chroma_embedding_function, model_file


def test_packaged_minilm_embeds_offline_and_normalised(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    e = Embedder(device="cpu")
    x = e.encode(["Scarlett is furious with Rhett.", "Scarlett is very angry at Rhett.", "The cotton harvest was weighed."])
    assert x.shape == (3, DIM) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert x[0] @ x[1] > x[0] @ x[2] + 0.2  # paraphrases are closer than unrelated text
    assert e.encode([]).shape == (0, DIM)


def test_chroma_embedding_function_wraps_the_same_model():
    e = Embedder(device="cpu")
    ef = chroma_embedding_function(e)
    assert ef.name() == "reelmind_minilm" and ef.default_space() == "cosine"
    got = np.asarray(ef(["a sad goodbye"]))
    np.testing.assert_allclose(got[0], e.encode(["a sad goodbye"])[0], atol=1e-6)


def test_model_is_a_manifest_folder_and_a_bad_folder_is_named(tmp_path):
    m = model_file()
    assert m.name == models.MINILM and m.path.is_dir() and (m.path / "model.safetensors").is_file() and len(m.sha256) == 64
    with pytest.raises(MissingModelError, match="sentence-transformers model folder"):
        models.sentence_transformer(tmp_path)


def test_minilm_is_loaded_and_hashed_once_per_process(monkeypatch):
    """The memory stage's embedder, a second embedder and the stage's cache-key models() share one
    load of the ONNX sentence encoder and one sha256 of each model file."""
    from reelmind.cognition.memory import STAGE

    hashed: list[str] = []
    real = models.sha256_file

    def counting(path, *a, **k):
        hashed.append(str(path))
        return real(path, *a, **k)

    models.clear_loaded()
    models._file_digest.cache_clear()
    monkeypatch.setattr(models, "sha256_file", counting)
    before = models.loaded_count()
    for _ in range(2):
        Embedder(device="cpu").encode(["one line", "another line"])
        STAGE.models(STAGE.make_options({}))
    assert models.loaded_count() - before == 1
    assert len([p for p in hashed if p.endswith("model.safetensors")]) == 1, hashed
    assert len([p for p in hashed if p.endswith(".onnx")]) == 1, hashed
    assert len(hashed) == len(set(hashed))  # no file hashed twice


def test_onnx_encoder_equals_sentence_transformers():
    """The packaged model on ONNX Runtime gives sentence-transformers' vectors (long, short, empty,
    non-Latin lines; truncation at 256 tokens included)."""
    texts = ["Scarlett is furious with Rhett.", "Yes.", "", "我不知道", "Je ne sais pas, vraiment. " * 60]
    got = Embedder(device="cpu").encode(texts)
    want = models.sentence_transformer().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(got, want, atol=2e-6)
