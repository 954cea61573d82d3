"""The seed's full audio stack, run for real in the separate full-stack venv (`make fullstack`).

* pyannote.audio's SpeakerDiarization pipeline, driven by reelmind's ``pyannote`` backend wrapper,
  with a segmentation model of segmentation-3.0's architecture (PyanNet, powerset 3 speakers /
  2 per frame) and a WeSpeaker ResNet34 embedding, both with random weights (no checkpoint ships
  offline; the ONNX export cannot be loaded by pyannote);
* WhisperX's ASR backend with its alignment model built from random weights of the real
  architecture (transformers Wav2Vec2ForCTC) when no weights are supplied.
Outputs are checked for shape and flow, not quality (random weights).
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


def _random_pipeline():
    from pyannote.audio.models.embedding import WeSpeakerResNet34
    from pyannote.audio.models.segmentation import PyanNet
    from pyannote.audio.pipelines import SpeakerDiarization
    from pyannote.audio.utils.powerset import Powerset  # noqa: F401  (segmentation-3.0 is a powerset model)

    torch.manual_seed(0)
    seg = PyanNet(sincnet={"stride": 10}, lstm={"hidden_size": 128, "num_layers": 4, "bidirectional": True,
                                               "monolithic": True, "dropout": 0.0},
                  linear={"hidden_size": 128, "num_layers": 2}, sample_rate=16000, num_channels=1)
    from pyannote.audio.core.task import Problem, Resolution, Specifications

    seg.specifications = Specifications(problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME,
                                        duration=10.0, min_duration=10.0, warm_up=(0.0, 0.0),
                                        classes=["speaker#1", "speaker#2", "speaker#3"], powerset_max_classes=2,
                                        permutation_invariant=True)
    seg.build()
    seg.eval()
    emb = WeSpeakerResNet34(sample_rate=16000)
    emb.eval()
    pipe = SpeakerDiarization(segmentation=seg, embedding=emb, clustering="AgglomerativeClustering", plda=None)
    pipe.instantiate({"segmentation": {"min_duration_off": 0.0},
                      "clustering": {"method": "centroid", "min_cluster_size": 3, "threshold": 0.7}})
    return pipe, seg


def test_pyannote_speaker_diarization_pipeline_through_our_wrapper(dialogue, tmp_path):
    from reelmind.perceive.audio.diarize import DIARIZERS
    from reelmind.perceive.audio.diarize_pyannote import PyannotePipelineDiarizer
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.pipeline import analyze_audio

    pipe, seg = _random_pipeline()
    assert sum(p.numel() for p in seg.parameters()) > 1_400_000  # segmentation-3.0 has ~1.47 M parameters
    DIARIZERS.register("pyannote-random", lambda options, profile=None: PyannotePipelineDiarizer(pipe))
    path, _ = dialogue
    res = analyze_audio(path, AudioOptions(asr_model="tiny.en", diarization="pyannote-random", text_emotion="none",
                                           speech_emotion="none"), work_dir=tmp_path)
    assert res.meta["diarization"]["pipeline"] == "SpeakerDiarization"
    assert len(res.words) > 20 and len(res.utterances) >= 1
    print("pyannote pipeline (random weights):", res.meta["diarization"], len(res.speaker_turns), "turns")


def test_whisperx_backend_with_a_random_wav2vec2_alignment_model(dialogue, tmp_path):
    pytest.importorskip("whisperx.alignment")
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
