"""Speech emotion: the documented eGeMAPS mapping, degradation detection, adaptive batching."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.perceive.audio.speech_emotion import (
    FEATURES,
    adaptive_batches,
    arousal_range,
    egemaps_features,
    map_features,
    robust_z,
)
from reelmind.eval.synth import flite_say
from reelmind.perceive.audio.extract import SAMPLE_RATE

COLS = [FEATURES[c][0] for c in FEATURES]


def _feats(**overrides):
    base = {"loudness": 0.8, "f0": 30.0, "flux": 0.3, "hammarberg": 30.0, "rate": 3.0, "loudness_range": 0.6,
            "hnr": 8.0, "jitter": 0.02, "shimmer": 1.2}
    base.update(overrides)
    return [base[c] for c in COLS]


def test_mapping_directions_follow_the_documented_cues():
    rows = np.array([_feats(), _feats(loudness=1.6, f0=36, flux=0.6, hammarberg=24, rate=4.5), _feats(loudness=0.4),
                     _feats(hnr=12, jitter=0.01, shimmer=0.8), _feats(hnr=4, jitter=0.04, shimmer=1.8)])
    out = map_features(rows)
    assert out["arousal"][1] > out["arousal"][0] > out["arousal"][2]
    assert out["valence"][3] > out["valence"][0] > out["valence"][4]
    assert out["dominance"][2] < out["dominance"][0]
    assert np.all((out["arousal"] > 0) & (out["arousal"] < 1)) and np.all(np.abs(out["valence"]) < 1)


def test_median_utterance_is_neutral_and_one_utterance_is_mid_scale():
    out = map_features(np.array([_feats()]))
    assert out["arousal"][0] == pytest.approx(0.5) and out["valence"][0] == pytest.approx(0.0)


def test_floors_keep_a_monotone_film_flat_so_the_channel_is_disabled():
    rng = np.random.default_rng(1)
    rows = np.array([_feats(loudness=0.8 + 0.002 * rng.standard_normal(), f0=30 + 0.01 * rng.standard_normal())
                     for _ in range(40)])
    assert arousal_range(map_features(rows)["arousal"]) < 0.2


def test_per_speaker_normalisation_removes_voice_offsets():
    a = [_feats(f0=24 + d) for d in (0, 1, 2, 3)]  # a low voice
    b = [_feats(f0=36 + d) for d in (0, 1, 2, 3)]  # a high voice
    rows = np.array(a + b)
    film = robust_z(rows)[:, COLS.index("f0")]
    spk = robust_z(rows, ["A"] * 4 + ["B"] * 4)[:, COLS.index("f0")]
    assert film[:4].max() < film[4:].min()  # film-wide: voice B always "higher"
    assert np.allclose(spk[:4], spk[4:])  # per speaker: same relative pattern


def test_excited_speech_has_higher_arousal_than_calm_speech():
    """Same text, same voice: fast/high/loud flite vs slow/low/soft flite."""
    lines = ["I told you to leave the door open.", "Where did you put the keys this time?", "We have to go right now."]
    clips = []
    for text in lines:
        clips.append(flite_say(text, "rms", int_f0_target_mean=170, duration_stretch=0.75) * 1.0)
        clips.append(flite_say(text, "rms", int_f0_target_mean=95, duration_stretch=1.3) * 0.3)
    out = map_features(egemaps_features(clips))
    excited, calm = out["arousal"][0::2], out["arousal"][1::2]
    assert np.all(excited > calm), (excited, calm)
    assert arousal_range(out["arousal"]) >= 0.2


def test_short_clips_give_nan_features_not_errors():
    feats = egemaps_features([np.zeros(100, np.float32)])
    assert feats.shape == (1, len(FEATURES)) and np.all(np.isnan(feats))
    out = map_features(feats)
    assert np.isfinite(out["arousal"]).all()


def test_adaptive_batching_halves_on_out_of_memory_down_to_one():
    calls = []

    def run(batch):  # stands in for a device that can only hold 8 clips at once
        calls.append(len(batch))
        if len(batch) > 8:
            raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for requested buffer")
        return np.array([[float(x), 0.0, 0.0] for x in batch])

    out = adaptive_batches(list(range(20)), run, start=64)
    assert out[:, 0].tolist() == list(range(20))
    assert calls[:3] == [20, 10, 5] and max(calls[3:]) == 5


def test_adaptive_batching_propagates_other_errors_and_oom_at_one():
    def broken(batch):
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        adaptive_batches([1, 2], broken)

    def always_oom(batch):
        raise MemoryError()

    with pytest.raises(MemoryError):
        adaptive_batches([1, 2, 3], always_oom, start=4)


def test_audeering_onnx_backend_on_a_real_exported_regressor(tmp_path):
    """A small waveform -> (arousal, dominance, valence) network exported to ONNX like the audeering model."""
    torch = pytest.importorskip("torch")
    from reelmind.perceive.audio.speech_emotion import AudeeringOnnx

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv1d(1, 8, 400, stride=160)
            self.head = torch.nn.Linear(8, 3)

        def forward(self, signal):
            h = torch.relu(self.conv(signal[:, None])).mean(-1)
            return torch.sigmoid(self.head(h))

    torch.manual_seed(0)
    net = Tiny().eval()
    path = tmp_path / "model.onnx"
    torch.onnx.export(net, (torch.zeros(2, 16000),), str(path), input_names=["signal"], output_names=["logits"],
                      dynamic_axes={"signal": {0: "batch", 1: "time"}}, dynamo=False)
    rng = np.random.default_rng(0)
    clips = [rng.standard_normal(16000).astype(np.float32) * s for s in (0.1, 0.5, 1.0)]
    out = AudeeringOnnx(str(path), batch_size=2).predict(clips)
    for i, c in enumerate(clips):
        x = torch.from_numpy((c - c.mean()) / (c.std() + 1e-7))[None]
        a, d, v = net(x)[0].detach().numpy()
        assert out["arousal"][i] == pytest.approx(a, abs=1e-5) and out["dominance"][i] == pytest.approx(d, abs=1e-5)
        assert out["valence"][i] == pytest.approx(2 * v - 1, abs=1e-5)


def test_one_smile_instance_gives_process_signal_values():
    """Issue 18: one openSMILE instance reset between clips = a new one per clip, value for value."""
    rng = np.random.default_rng(3)
    speech = flite_say("We have to go right now, before the rain starts.", "rms")
    clips = [speech, speech[: SAMPLE_RATE // 5] * 0.5, np.zeros(100, np.float32), np.zeros(SAMPLE_RATE // 5, np.float32),
             (rng.standard_normal(SAMPLE_RATE) * 0.1).astype(np.float32), speech * 3.0]  # the last one clips
    ref = egemaps_features(clips, reuse=False)
    assert np.array_equal(egemaps_features(clips), ref, equal_nan=True)
    assert np.isfinite(ref[0]).all() and np.isnan(ref[2]).all()
