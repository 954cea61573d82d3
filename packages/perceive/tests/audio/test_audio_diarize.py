"""Diarization: automatic speaker count on real voices, voice profiles across two films."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.core.errors import DataFileError
from reelmind.perceive.audio.diarize import (
    ResemblyzerEmbedder,
    centroids,
    cluster_speakers,
)
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
from reelmind.eval.synth import flite_say, synthesize_dialogue
from reelmind.perceive.audio.voiceprints import VoiceProfileStore

LINES = ["The weather was cold that winter.", "Bring me the letter from the desk.",
         "Nobody came to the station in time."]


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_cluster_count_is_chosen_automatically_on_synthetic_embeddings():
    rng = np.random.default_rng(0)
    centres = _unit(rng.standard_normal((3, 32)))
    # within-speaker spread like resemblyzer on real voices (cosine distances ~0.1-0.2)
    emb = _unit(np.repeat(centres, 6, axis=0) + 0.07 * rng.standard_normal((18, 32)))
    labels = cluster_speakers(emb, 1, 5)
    assert len(set(labels)) == 3
    assert all(len(set(labels[i * 6:(i + 1) * 6])) == 1 for i in range(3))
    assert labels[0] == 0  # labels follow first appearance
    one = _unit(centres[0] + 0.05 * rng.standard_normal((10, 32)))
    assert set(cluster_speakers(one, 1, 5)) == {0}
    assert len(set(cluster_speakers(one, 2, 5))) == 2  # a minimum is a minimum
    assert len(set(cluster_speakers(emb, 1, 2))) == 2  # and a maximum a maximum


def test_two_close_voices_heard_apart_by_the_segmentation_stay_two_speakers():
    """Telephone voices sit ~0.2 apart for resemblyzer (pyannote's sample): when the segmentation
    keeps hearing two voices at length in the same windows they stay two; one window that splits
    one voice (a short second local speaker) does not split the film."""
    rng = np.random.default_rng(1)
    a = _unit(rng.standard_normal(32))
    b = _unit(a + 0.55 * _unit(rng.standard_normal(32)))  # ~0.15 apart
    windows = 8
    emb = _unit(np.stack([v + 0.05 * rng.standard_normal(32) for _ in range(windows) for v in (a, b)]))
    groups = np.repeat(np.arange(windows), 2)
    weights = np.full(2 * windows, 3.0)
    assert float(np.quantile(1 - emb @ emb.T, 0.9)) < 0.35  # all close: the embeddings alone say one voice
    labels = cluster_speakers(emb, 1, 5, weights=weights, groups=groups, conflict_weight=2.0)
    assert len(set(labels)) == 2 and len(set(labels[::2])) == 1 and len(set(labels[1::2])) == 1
    assert set(cluster_speakers(emb, 1, 5, weights=weights, groups=groups)) == {0}  # without the rule: one
    one = _unit(np.stack([a + 0.05 * rng.standard_normal(32) for _ in range(10)]))
    split_groups = np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])  # one window hears the voice as two
    labels = cluster_speakers(one, 1, 5, weights=np.array([3.0, 2.5] + [4.0] * 8), groups=split_groups,
                              conflict_weight=2.0, min_cluster_weight=2.0)
    assert set(labels) == {0}
    # one reader whom the segmentation splits at length in 2 of 9 windows, into local speakers that
    # sound as close as one voice's own windows (0.13-0.14 in the real monologue): still one speaker
    # (the same clip read twice: its two windows sit together, 0.13-0.16 from the rest)
    r = np.random.default_rng(7)
    reader = np.stack([a + 0.05 * r.standard_normal(32) for _ in range(11)])
    reader[[2, 6]] = a + 0.45 * _unit(r.standard_normal(32)) + 0.02 * r.standard_normal((2, 32))
    reader = _unit(reader)
    assert 0.1 < float(np.max(1 - reader @ reader.T)) < 0.175
    split = np.array([0, 1, 2, 2, 3, 4, 5, 5, 6, 7, 8])
    labels = cluster_speakers(reader, 1, 5, weights=np.array([6.8, 5, 3.1, 4.4, 5, 5, 3.2, 4.1, 5, 5, 6.9]),
                              groups=split, locals_=np.array([1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1]),
                              conflict_weight=2.0, min_cluster_weight=2.0)
    assert set(labels) == {0}


def test_three_flite_voices_are_three_speakers():
    enc = ResemblyzerEmbedder()
    voices = ["slt", "rms", "awb"]
    emb = np.stack([enc.embed(flite_say(text, v)) for text in LINES for v in voices])
    labels = cluster_speakers(emb, 1, 5)
    truth = np.array([voices.index(v) for _ in LINES for v in voices])
    assert len(set(labels)) == 3
    assert all(len(set(labels[truth == k])) == 1 for k in range(3))


def test_voice_profiles_match_speakers_across_films(dialogue, tmp_path):
    store = tmp_path / "voices.npz"
    film_a = tmp_path / "film_a.wav"
    film_a.symlink_to(dialogue[0])  # the session's default dialogue: slt speaks first
    film_b = tmp_path / "film_b.wav"
    truth_b = synthesize_dialogue(film_b, (("rms", LINES[0]), ("slt", LINES[1]), ("rms", LINES[2]),
                                           ("slt", "I will see you tomorrow then.")))
    opts = dict(asr_model="tiny.en", text_emotion="none", speech_emotion="none", voice_profiles=str(store))
    res_a = analyze_audio(film_a, AudioOptions(**opts, enroll_speakers=True), work_dir=tmp_path / "wa")
    assert set(res_a.utterances.speaker) == {"film_a:SPEAKER_00", "film_a:SPEAKER_01"}
    saved = VoiceProfileStore.load(store, "resemblyzer")
    assert saved.names == ["film_a:SPEAKER_00", "film_a:SPEAKER_01"] and saved.embeddings.shape == (2, 256)

    res_b = analyze_audio(film_b, AudioOptions(**opts), work_dir=tmp_path / "wb")
    # slt was SPEAKER_00 in film A (first voice); in film B rms speaks first
    want = {"slt": "film_a:SPEAKER_00", "rms": "film_a:SPEAKER_01"}
    for i in range(len(res_b.utterances)):
        line = min(truth_b, key=lambda ln: abs(ln.start - res_b.utterances.start[i]))
        assert res_b.utterances.speaker[i] == want[line.voice]
    assert len(res_b.meta["voice_profiles"]["matched"]) == 2


def test_profile_store_rejects_a_foreign_or_broken_file(tmp_path):
    store = VoiceProfileStore("resemblyzer")
    store.enroll("alice", np.ones(4) / 2, 3)
    store.enroll("alice", np.array([1.0, 0, 0, 0]), 1)
    assert store.counts == [4] and np.isclose(np.linalg.norm(store.embeddings[0]), 1)
    path = store.save(tmp_path / "s.npz")
    with pytest.raises(DataFileError, match="made with 'resemblyzer'"):
        VoiceProfileStore.load(path, "pyannote")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DataFileError, match="not a readable voice-profile store"):
        VoiceProfileStore.load(tmp_path / "bad.npz", "resemblyzer")
    assert VoiceProfileStore.load(tmp_path / "absent.npz", "resemblyzer").names == []


def test_centroids_are_unit_vectors():
    emb = _unit(np.random.default_rng(2).standard_normal((6, 8)))
    c = centroids(emb, np.array([0, 0, 1, 1, 1, 0]))
    assert c.shape == (2, 8) and np.allclose(np.linalg.norm(c, axis=1), 1)


def test_a_repeated_scene_does_not_split_a_voice(dialogue):
    """The same dialogue twice (as in a film that replays a scene): near-duplicate utterances of
    one voice stay one speaker (the silhouette choice used before split them)."""
    from reelmind.eval.synth import read_wav

    path, truth = dialogue
    audio, _ = read_wav(path)
    enc = ResemblyzerEmbedder()
    rng = np.random.default_rng(0)
    emb = []
    for _ in range(2):
        for line in truth:
            clip = audio[int(line.start * 16000):int(line.end * 16000)]
            emb.append(enc.embed(clip + 0.002 * rng.standard_normal(len(clip)).astype(np.float32)))
    emb = np.stack(emb)
    voices = np.array([line.voice for line in truth] * 2)
    labels = cluster_speakers(emb, 1, 5)
    assert len(set(labels)) == 2
    assert all(len(set(labels[voices == v])) == 1 for v in ("slt", "rms"))


def _lumped_window(lines):
    """A 10-s window whose local speaker 0 holds every line (as segmentation-3.0 does with more
    voices than local speakers): audio, WindowActivity, (start, end) sample span per line."""
    from reelmind.perceive.audio.segmentation import FRAME_RF, FRAME_STEP, N_FRAMES, WINDOW, WindowActivity

    audio = np.zeros(WINDOW, np.float32)
    active = np.zeros((1, N_FRAMES, 3), bool)
    centre = np.arange(N_FRAMES) * FRAME_STEP + FRAME_RF // 2
    pos, spans = 4000, []
    for text, voice in lines:
        clip = flite_say(text, voice)[:int(2.2 * 16000)]
        audio[pos:pos + len(clip)] = clip
        active[0, (centre >= pos) & (centre < pos + len(clip)), 0] = True
        spans.append((pos, pos + len(clip)))
        pos += len(clip) + 8000  # 0.5-s pauses
    return audio, WindowActivity(np.zeros(1, np.int64), active, np.ones((1, N_FRAMES), bool)), spans


@pytest.mark.skipif(__import__("shutil").which("flite") is None, reason="apt-get install flite")
def test_a_local_speaker_holding_two_voices_is_split_by_turn():
    """segmentation-3.0 has 3 local speakers per 10-s window: with a 4th voice it gives two voices
    to one local speaker (the ground-truth film: kal and rms). Its turns are embedded one by one
    and the local speaker becomes one row per voice; one voice's turns stay one row."""
    from reelmind.perceive.audio.speakers import embed_windows

    enc = ResemblyzerEmbedder()
    audio, win, _ = _lumped_window([(LINES[0], "kal"), (LINES[1], "rms"), (LINES[2], "kal")])
    loc = embed_windows(enc, audio, 0, win, 5.0)
    assert len(loc) == 2 and set(loc.local) == {0} and loc.split == 1
    t = loc.turns
    assert len(t) == 3 and t.row[0] == t.row[2] != t.row[1]
    assert float(loc.vectors[0] @ loc.vectors[1]) < 0.65  # two different voices
    audio, win, _ = _lumped_window([(LINES[0], "rms"), (LINES[1], "rms"), (LINES[2], "rms")])
    one = embed_windows(enc, audio, 0, win, 5.0)
    assert len(one) == 1 and one.split == 0 and set(one.turns.row) == {0}


def test_voices_of_one_split_local_speaker_may_link_but_two_local_speakers_may_not():
    rng = np.random.default_rng(3)
    a, b = _unit(rng.standard_normal((2, 32)))
    near = lambda v: _unit(v + 0.05 * rng.standard_normal(32))  # noqa: E731
    # window 0: local 0 split into two rows that are the same voice a; local 1 is voice b
    emb = np.stack([near(a), near(a), near(b), near(a), near(b)])
    groups, locs = np.array([0, 0, 0, 1, 1]), np.array([0, 0, 1, 0, 1])
    labels = cluster_speakers(emb, 1, 5, groups=groups, locals_=locs)
    assert labels.tolist() == [0, 0, 1, 0, 1]
    # without locals_ every row of a window is its own local speaker, but two rows as close as one
    # voice's own windows (under half single_speaker_distance) forbid no link: the same answer
    assert labels.tolist() == cluster_speakers(emb, 1, 5, groups=groups).tolist()
    # rows a whole voice apart in one window still may not link
    assert cluster_speakers(emb, 1, 5, groups=groups, single_speaker_distance=0.05).tolist() != labels.tolist()


def test_speaker_embeddings_do_not_depend_on_blas_threads():
    """cpu-2core runs numpy's BLAS with one thread (issue 18): the mel spectrograms and embeddings are the same values."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    enc = ResemblyzerEmbedder()
    clips = [flite_say(text, "slt") for text in LINES]
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        two = enc.embed_batch(clips)
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        one = enc.embed_batch(clips)
    assert np.array_equal(one, two)


def test_a_short_local_voice_does_not_veto_its_link_to_its_own_speaker():
    """Issue 11: segmentation-3.0 heard one reader's 2.6-s clip as a second local speaker of windows
    that also held the reader, 0.20 apart; with every such pair a cannot-link it became a fourth
    speaker. A local speaker heard alone for less than ``conflict_weight`` forbids no link."""
    r = np.random.default_rng(4)
    reader, other = _unit(r.standard_normal(32)), _unit(r.standard_normal(32))
    rows, groups, locs, w = [], [], [], []
    for win in range(8):  # the reader and another voice in each window
        rows += [reader + 0.05 * r.standard_normal(32), other + 0.05 * r.standard_normal(32)]
        groups += [win, win]; locs += [0, 1]; w += [4.0, 3.0]
    off = 0.6 * _unit(r.standard_normal(32))
    for win, short in ((8, 2.2), (9, 1.1)):  # the reader's short clip as a second local speaker
        rows += [reader + 0.05 * r.standard_normal(32), reader + off + 0.03 * r.standard_normal(32)]
        groups += [win, win]; locs += [0, 1]; w += [4.0, short]
    emb, w = _unit(np.array(rows)), np.array(w)
    assert 0.175 < 1 - emb[16] @ emb[17] < 0.25 and 0.175 < 1 - emb[18] @ emb[19] < 0.25
    labels = cluster_speakers(emb, 1, 5, weights=w, groups=np.array(groups), locals_=np.array(locs),
                              conflict_weight=2.0, min_cluster_weight=2.0)
    assert len(set(labels)) == 2 and set(labels[16:]) == {labels[0]}
    heavy = np.where(w < 2.0, 2.5, w)  # both heard at length: the constraint holds, a third speaker
    labels = cluster_speakers(emb, 1, 5, weights=heavy, groups=np.array(groups), locals_=np.array(locs),
                              conflict_weight=2.0, min_cluster_weight=2.0)
    assert len(set(labels)) == 3
