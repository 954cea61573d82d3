import numpy as np
import pytest

from reelmind.core import MissingModelError
from reelmind.cognition.embeddings import DIM, Embedder, chroma_embedding_function, model_sha256, packaged_model_dir, resolve_model_dir


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


def test_model_files_and_missing_model_error(tmp_path):
    d = packaged_model_dir()
    assert len(model_sha256(d)) == 64
    with pytest.raises(MissingModelError, match="sentence-transformers model folder"):
        resolve_model_dir(tmp_path)
