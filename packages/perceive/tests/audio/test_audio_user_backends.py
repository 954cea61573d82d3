"""The backends for user-supplied weights, run for real on what this machine has.

* faster-whisper on a user's CTranslate2 folder (what a converted large-v3 is): the assembled
  Whisper base, placed in an arbitrary folder and passed as ``asr_model``, on flite speech.
* Demucs: an HTDemucs of the same class as the released ``htdemucs`` (smaller, random weights)
  is built here and saved in demucs' own repo layout (``htdemucs.yaml`` + ``SIG-CHECKSUM.th``);
  the stage loads it offline. Random weights say nothing about separation quality: only loading,
  the weights, the stem's length and rate are checked.
* WhisperX and pyannote.audio cannot be imported without torchaudio: their error is checked.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket

import numpy as np
import pytest
from reelmind.core.errors import MissingDependencyError, MissingModelError
from reelmind.perceive.audio import models
from reelmind.eval.audio import wer
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test (weights must load from disk)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _whisper_base():
    """The assembled Whisper base folder (tools/setup_audio_models.py), or a skip naming the fix."""
    try:
        return models.whisper_model_dir("base")
    except MissingModelError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def user_ct2_folder(tmp_path_factory):
    """The assembled Whisper base, linked into a folder with a user-chosen name."""
    base = _whisper_base()
    user = tmp_path_factory.mktemp("user models") / "whisper-large-v3-ct2"
    user.mkdir()
    for f in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        if (base / f).exists():
            (user / f).symlink_to(base / f)
    return user


# --------------------------------------------------------------------------- ASR: user CT2 folder

def test_asr_model_accepts_any_local_ct2_folder(user_ct2_folder):
    assert models.whisper_model_dir(str(user_ct2_folder)) == user_ct2_folder
    assert models.whisper_model_dir(str(user_ct2_folder / "model.bin")) == user_ct2_folder  # the file itself


def test_a_folder_without_tokenizer_is_refused_instead_of_fetching_one(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(MissingModelError, match="tokenizer.json") as info:
        models.whisper_model_dir(str(tmp_path))
    assert "\n" not in str(info.value) and "--copy_files tokenizer.json" in str(info.value)


def test_user_ct2_folder_transcribes_flite_dialogue(dialogue, user_ct2_folder, tmp_path, no_network):
    path, truth = dialogue
    opts = AudioOptions(asr_model=str(user_ct2_folder), diarization="none", text_emotion="none",
                        speech_emotion="none")
    res = analyze_audio(path, opts, work_dir=tmp_path)
    ref = " ".join(line.text for line in truth)
    hyp = " ".join(res.utterances.text)
    assert wer(ref, hyp) <= 0.10, hyp
    assert res.meta["asr"]["model_dir"] == str(user_ct2_folder)
    (ref_model,) = [m for m in res.meta["models"] if m["name"].startswith("whisper:")]
    assert ref_model["path"] == str(user_ct2_folder / "model.bin") and ref_model["sha256"] == models.BASE_SHA256
    assert set(res.utterances.language) == {"en"}  # multilingual model: language detected, not assumed


def _large_v3_shaped_ct2(base, hf, out):
    """A random-weight Whisper with large-v3's interface (128 mel bins, 51866 tokens, <|yue|>, 100
    languages) but tiny layers, saved as a Hugging Face model and converted by CTranslate2's own
    converter, as a user converts large-v3. The v3 tokenizer is base's with <|yue|> inserted at
    50358 (every later special token moves up by one, as in large-v3)."""
    import json

    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from ctranslate2.converters import TransformersConverter

    hf.mkdir(parents=True)
    tok = json.loads((base / "tokenizer.json").read_text())
    yue = 50358
    for a in tok["added_tokens"]:
        if a["id"] >= yue:
            a["id"] += 1
    tok["added_tokens"] = sorted([*tok["added_tokens"], dict(tok["added_tokens"][0], id=yue, content="<|yue|>")],
                                 key=lambda a: a["id"])
    (hf / "tokenizer.json").write_text(json.dumps(tok))
    ids = {a["content"]: a["id"] for a in tok["added_tokens"]}
    torch.manual_seed(0)
    cfg = transformers.WhisperConfig(vocab_size=51866, num_mel_bins=128, d_model=64, encoder_layers=1,
                                     decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                                     encoder_ffn_dim=128, decoder_ffn_dim=128)
    model = transformers.WhisperForConditionalGeneration(cfg)
    model.generation_config = transformers.GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=50257, pad_token_id=50257,
        begin_suppress_tokens=[220, 50257], suppress_tokens=[],
        lang_to_id={k: v for k, v in ids.items() if 50259 <= v <= yue})
    model.save_pretrained(hf)
    TransformersConverter(str(hf), copy_files=["tokenizer.json"]).convert(str(out), force=True)
    return out


@pytest.fixture(scope="module")
def v3_shaped_folder(tmp_path_factory):
    base = _whisper_base()
    root = tmp_path_factory.mktemp("v3")
    return _large_v3_shaped_ct2(base, root / "hf", root / "ct2")


def test_a_128_mel_model_without_preprocessor_config_is_refused(v3_shaped_folder):
    from reelmind.perceive.audio.asr import FasterWhisperAsr

    assert not (v3_shaped_folder / "preprocessor_config.json").exists()
    with pytest.raises(MissingModelError, match="expects 128 mel bins") as info:
        _ = FasterWhisperAsr(v3_shaped_folder, device="cpu").model
    assert "\n" not in str(info.value) and '"feature_size": 128' in str(info.value)


def test_a_large_v3_shaped_folder_runs_through_the_stage(v3_shaped_folder, tmp_path, speech, no_network):
    """Random weights: the text is garbage; what is checked is that the v3 interface loads and runs."""
    import json

    from faster_whisper.tokenizer import _LANGUAGE_CODES
    from reelmind.eval.synth import write_wav

    user = tmp_path / "large-v3"
    shutil.copytree(v3_shaped_folder, user, symlinks=True)
    (user / "preprocessor_config.json").write_text(json.dumps({"feature_size": 128}))
    wav = write_wav(tmp_path / "speech.wav", speech)
    opts = AudioOptions(asr_model=str(user), diarization="none", text_emotion="none", speech_emotion="none",
                        device="cpu")
    res = analyze_audio(wav, opts, work_dir=tmp_path / "work")
    assert res.meta["asr"]["model_dir"] == str(user)
    assert len(res.utterances) + len(res.rejects) >= 1
    assert set(res.utterances.language) <= set(_LANGUAGE_CODES)  # detected over v3's 100 languages


# --------------------------------------------------------------------------- Demucs

def _small_htdemucs_repo(root, segment: float = 2.5):
    """A random-weight HTDemucs (same class as the released htdemucs) in demucs' repo layout."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("demucs.apply")
    from demucs.htdemucs import HTDemucs
    from demucs.states import get_state, save_with_checksum

    torch.manual_seed(0)
    model = HTDemucs(sources=["drums", "bass", "other", "vocals"], channels=8, depth=4, t_layers=1, t_heads=2,
                     segment=segment, samplerate=44100)
    args, kwargs = model._init_args_kwargs
    package = {"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": get_state(model, None, half=True),
               "training_args": {}}
    root.mkdir(parents=True, exist_ok=True)
    save_with_checksum(package, root / "0badc0de.th")  # writes 0badc0de-<sha256[:8]>.th, as released models
    (root / "htdemucs.yaml").write_text("models: ['0badc0de']\n")
    return model


@pytest.fixture(scope="module")
def demucs_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demucs") / "my htdemucs"
    model = _small_htdemucs_repo(root)
    return root, model


@pytest.fixture(scope="module")
def speech():
    from reelmind.eval.synth import flite_say

    if shutil.which("flite") is None:
        pytest.skip("flite is not installed (apt-get install flite)")
    a = flite_say("Please bring the old letters from the kitchen table.", "slt")
    b = flite_say("I will put them in the box by the door.", "rms")
    return np.concatenate([np.zeros(4000, np.float32), a, np.zeros(8000, np.float32), b, np.zeros(4000, np.float32)])


def test_demucs_loads_the_users_htdemucs_offline_and_keeps_length(demucs_repo, speech, no_network):
    import torch
    from demucs.htdemucs import HTDemucs
    from reelmind.perceive.audio.enhance import make_enhancers

    root, built = demucs_repo
    (dmx,) = make_enhancers(AudioOptions(separation="demucs", separation_model=str(root), device="cpu"))
    loaded = dmx._model
    assert isinstance(loaded, HTDemucs) or isinstance(loaded.models[0], HTDemucs)
    net = loaded.models[0] if hasattr(loaded, "models") else loaded
    for k, v in built.state_dict().items():  # our weights (stored as float16), not a fresh init
        assert torch.allclose(net.state_dict()[k], v.half().float(), atol=1e-3), k
    assert len(speech) / 16000 > 2 * built.segment  # several overlapping segments are stitched
    out = dmx(speech)
    assert out.shape == speech.shape and out.dtype == np.float32 and np.isfinite(out).all()
    assert 0 < np.abs(out).max() and not np.allclose(out, speech)
    assert dmx(np.zeros(0, np.float32)).shape == (0,)


def test_demucs_model_files_and_names(demucs_repo, tmp_path):
    from reelmind.perceive.audio.enhance import demucs_model_files, demucs_model_ref

    root, _ = demucs_repo
    (th,) = root.glob("*.th")
    assert demucs_model_ref(str(root)) == ("htdemucs", root)
    assert demucs_model_ref(str(root / "htdemucs.yaml")) == ("htdemucs", root)
    assert demucs_model_ref(str(th)) == ("0badc0de", root)  # SIG-CHECKSUM.th -> SIG
    assert demucs_model_files(str(root)) == [root / "htdemucs.yaml", th]
    (tmp_path / "a.yaml").write_text("models: []\n")
    (tmp_path / "b.yaml").write_text("models: []\n")
    with pytest.raises(MissingModelError, match="which Demucs model"):
        demucs_model_ref(str(tmp_path))


def test_demucs_runs_inside_the_audio_pipeline(demucs_repo, speech, tmp_path, no_network):
    from reelmind.eval.synth import write_wav

    root, _ = demucs_repo
    wav = write_wav(tmp_path / "speech.wav", speech[:3 * 16000])  # one line: demucs' output is not judged here
    opts = AudioOptions(separation="demucs", separation_model=str(root), device="cpu", diarization="none",
                        asr_model="tiny.en", text_emotion="none", speech_emotion="none")
    res = analyze_audio(wav, opts, work_dir=tmp_path / "work")  # random weights: the text is not judged
    names = {m["name"]: m for m in res.meta["models"]}
    assert names["demucs:htdemucs.yaml"]["sha256"] and any(n.startswith("demucs:0badc0de-") for n in names)
    assert res.meta["options"]["separation"] == "demucs"


# --------------------------------------------------------------------------- WhisperX / pyannote

def _importable(*mods: str) -> bool:
    try:
        for m in mods:
            __import__(m)
    except ImportError:
        return False
    return True


@pytest.mark.skipif(_importable("whisperx.asr", "whisperx.alignment"), reason="whisperx imports here")
def test_whisperx_missing_is_one_line_with_the_fix():
    from reelmind.perceive.audio.asr import make_asr

    with pytest.raises(MissingDependencyError) as info:
        make_asr(AudioOptions(asr_backend="whisperx", align_model="/nonexistent"), models.tiny_en_dir(), 8)
    msg = str(info.value)
    assert "\n" not in msg and "fix: pip install whisperx" in msg and "torchaudio" in msg


@pytest.mark.skipif(_importable("pyannote.audio"), reason="pyannote.audio imports here")
def test_pyannote_missing_is_one_line_with_the_fix():
    from reelmind.perceive.audio.diarize import make_diarizer

    with pytest.raises(MissingDependencyError) as info:
        make_diarizer(AudioOptions(diarization="pyannote", diarization_model="/nonexistent"))
    msg = str(info.value)
    assert "\n" not in msg and "make fullstack" in msg and "torchaudio" in msg


def test_demucs_import_does_not_need_torchaudio():
    if importlib.util.find_spec("demucs") is None:
        pytest.skip("demucs is not installed (pip install --no-deps demucs einops julius)")
    import subprocess
    import sys

    code = "import sys; import demucs.apply, demucs.pretrained, demucs.htdemucs; print('torchaudio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_demucs_file_that_runs_code_when_unpickled_is_refused(tmp_path):
    """Issue 17: demucs' loader ran code from a crafted .th (torch.load(weights_only=False))."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("demucs.apply")
    from reelmind.core.errors import DataFileError
    from reelmind.perceive.audio.enhance import make_enhancers

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    root = tmp_path / "evil"
    root.mkdir()
    torch.save({"klass": Evil(), "args": (), "kwargs": {}, "state": {}}, root / "0badc0de-12345678.th")
    with pytest.raises(DataFileError, match="refused"):
        make_enhancers(AudioOptions(separation="demucs", separation_model=str(root)))
    assert not marker.exists()
