"""The seed's full audio stack, run for real in the separate full-stack venv (`make fullstack`).

* segmentation-3.0's shipped ONNX weights loaded into pyannote.audio's own ``PyanNet``
  (:func:`reelmind.perceive.audio.diarize_pyannote.segmentation_from_onnx`) and checked against
  ONNX Runtime on the real phone call (pyannote.audio's sample);
* pyannote.audio's ``SpeakerDiarization`` pipeline, driven by reelmind's ``pyannote`` backend
  wrapper through the whole audio stage, with that segmentation model, a WeSpeaker ResNet34
  embedding and a PLDA of random weights (no embedding checkpoint ships offline);
* WhisperX's ASR backend with its alignment model built from random weights of the real
  architecture (transformers Wav2Vec2ForCTC) when no weights are supplied.
Random-weight parts are checked for shape and flow, not quality.
"""

from __future__ import annotations

import numpy as np
import pytest

pyannote = pytest.importorskip("pyannote.audio")
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory):
    from reelmind.eval.conversation import flite_conversation

    path = tmp_path_factory.mktemp("fs") / "d.wav"
    turns = flite_conversation(path)
    return path, turns


@pytest.fixture(scope="module")
def phone():
    from reelmind.core.media import media_dir

    d = media_dir() / "pyannote"
    if not (d / "sample.wav").exists():
        pytest.skip("run tools/fetch_media.sh (pyannote.audio's sample)")
    return d


@pytest.fixture(scope="module")
def segmentation():
    from reelmind.perceive.audio.diarize_pyannote import segmentation_from_onnx

    return segmentation_from_onnx()


def test_segmentation_3_weights_run_in_pyannote_as_in_onnx_runtime(segmentation, phone):
    from reelmind.core import models
    from reelmind.eval.synth import read_wav

    assert sum(p.numel() for p in segmentation.parameters()) > 1_400_000  # segmentation-3.0: ~1.47 M parameters
    assert segmentation.onnx_fit_error < 1e-5  # SincNet's cut-offs recovered from the frozen filters
    wav = read_wav(phone / "sample.wav")[0].astype(np.float32)
    x = np.stack([wav[s * 16000:(s + 10) * 16000] for s in (5, 10, 15, 20)])[:, None]
    with torch.no_grad():
        ours = segmentation(torch.from_numpy(x)).numpy()
    ref = models.onnx("pyannote-segmentation-3.0").run_batched(x, batch_size=4, pad_to_bucket=False)[0]
    print("segmentation-3.0 in pyannote vs ONNX Runtime: max |diff| of log-probabilities",
          float(np.abs(ours - ref).max()), "argmax agreement", float((ours.argmax(-1) == ref.argmax(-1)).mean()))
    assert ours.shape == ref.shape == (4, 589, 7)
    assert np.abs(ours - ref).max() < 1e-3 and (ours.argmax(-1) == ref.argmax(-1)).mean() > 0.999


def _pipeline(seg, tmp_path):
    from pyannote.audio.core.plda import PLDA
    from pyannote.audio.models.embedding import WeSpeakerResNet34
    from pyannote.audio.pipelines import SpeakerDiarization

    torch.manual_seed(0)
    emb = WeSpeakerResNet34(sample_rate=16000)
    emb.eval()
    rng = np.random.default_rng(0)  # a PLDA of the real shapes (256-D x-vectors, 128-D LDA), random weights
    np.savez(tmp_path / "xvec_transform.npz", mean1=rng.standard_normal(256) * 0.01, mean2=rng.standard_normal(128) * 0.01,
             lda=np.linalg.qr(rng.standard_normal((256, 256)))[0][:, :128])
    np.savez(tmp_path / "plda.npz", mu=np.zeros(128), tr=np.eye(128) + 0.01 * rng.standard_normal((128, 128)),
             psi=np.linspace(2.0, 0.1, 128))
    plda = PLDA(tmp_path / "xvec_transform.npz", tmp_path / "plda.npz")
    pipe = SpeakerDiarization(segmentation=seg, embedding=emb, plda=plda, clustering="AgglomerativeClustering")
    pipe.instantiate({"segmentation": {"min_duration_off": 0.0},
                      "clustering": {"method": "centroid", "min_cluster_size": 3, "threshold": 0.7}})
    return pipe


def test_pyannote_speaker_diarization_pipeline_through_our_wrapper(segmentation, phone, tmp_path):
    from reelmind.eval.diarization import der
    from reelmind.eval.nist import read_rttm
    from reelmind.perceive.audio.diarize import DIARIZERS
    from reelmind.perceive.audio.diarize_pyannote import PyannotePipelineDiarizer
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.pipeline import analyze_audio

    pipe = _pipeline(segmentation, tmp_path)
    DIARIZERS.register("pyannote-seg3", lambda options, profile=None: PyannotePipelineDiarizer(pipe))
    res = analyze_audio(phone / "sample.wav", AudioOptions(asr_model="tiny.en", diarization="pyannote-seg3",
                                                            text_emotion="none", speech_emotion="none"),
                        work_dir=tmp_path / "w")
    assert res.meta["diarization"]["pipeline"] == "SpeakerDiarization"
    assert len(res.words) > 40 and len(res.utterances) >= 1 and len(res.speaker_turns) >= 1
    assert all(s for s in res.words.speaker)  # every word on a speaker of pyannote's
    ref = [(t["start"], t["end"], t["speaker"]) for t in read_rttm(phone / "sample.rttm")]
    hyp = list(zip(res.speaker_turns.start, res.speaker_turns.end, res.speaker_turns.speaker))
    d = der(ref, hyp)
    # speech found by the real segmentation weights: little missed speech whatever the random embedding does
    assert d.missed / d.total < 0.15, d.as_dict()
    print("pyannote SpeakerDiarization (segmentation-3.0 weights, random WeSpeaker + PLDA) on the phone call:",
          res.meta["diarization"], d.as_dict())


def _punkt_english(root):
    """NLTK's Punkt sentence model for English trained here on local English prose (the GPL-3 text of
    /usr/share/common-licenses), saved in the punkt_tab layout whisperx loads; NLTK's own download is
    not reachable offline."""
    import nltk
    from nltk.tokenize.punkt import PunktTrainer, save_punkt_params

    from pathlib import Path

    text = Path("/usr/share/common-licenses/GPL-3")
    if not text.exists():
        pytest.skip("no local English text to train Punkt on (/usr/share/common-licenses/GPL-3)")
    trainer = PunktTrainer()
    trainer.train(text.read_text(encoding="utf-8", errors="ignore"), finalize=True)
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.parent.mkdir(parents=True)
    nltk.data.path.insert(0, str(root))
    save_punkt_params(trainer.get_params(), dir=str(folder))


def test_whisperx_backend_refuses_to_download_punkt_mid_run(tmp_path, monkeypatch):
    pytest.importorskip("whisperx.alignment")
    import nltk
    from reelmind.core.errors import MissingModelError
    from reelmind.perceive.audio.asr import WhisperXAsr

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    (tmp_path / "align").mkdir()
    with pytest.raises(MissingModelError, match="punkt_tab"):
        WhisperXAsr(tmp_path, align_model=str(tmp_path / "align"))


def test_whisperx_backend_with_a_random_wav2vec2_alignment_model(dialogue, tmp_path):
    pytest.importorskip("whisperx.alignment")
    _punkt_english(tmp_path / "nltk_data")
    from transformers import Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC, \
        Wav2Vec2Processor
    from reelmind.perceive.audio.models import tiny_en_dir
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.pipeline import analyze_audio

    chars = list("|ABCDEFGHIJKLMNOPQRSTUVWXYZ'")
    vocab = {c: i + 2 for i, c in enumerate(chars)}
    vocab.update({"<pad>": 0, "<unk>": 1})
    folder = tmp_path / "align"
    folder.mkdir()
    import json

    (folder / "vocab.json").write_text(json.dumps(vocab))
    tok = Wav2Vec2CTCTokenizer(str(folder / "vocab.json"), pad_token="<pad>", unk_token="<unk>", word_delimiter_token="|")
    proc = Wav2Vec2Processor(Wav2Vec2FeatureExtractor(sampling_rate=16000), tok)
    torch.manual_seed(0)
    cfg = Wav2Vec2Config(vocab_size=len(vocab), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=128, conv_dim=(32,) * 7, pad_token_id=0)
    Wav2Vec2ForCTC(cfg).save_pretrained(folder)
    proc.save_pretrained(folder)
    path, _ = dialogue
    res = analyze_audio(path, AudioOptions(asr_backend="whisperx", asr_model=str(tiny_en_dir()), align_model=str(folder),
                                           language="en", text_emotion="none", speech_emotion="none"), work_dir=tmp_path / "w")
    assert res.meta["asr"]["backend"] == "whisperx" and len(res.utterances) >= 1
    print("whisperx (random alignment weights):", len(res.utterances), "utterances", " ".join(res.utterances.text)[:200])
