"""Diarization error rate of the default speaker path on real and synthetic conversations, with
the bound the segmentation sets.

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_der.py [STEP_S] [--asr] [--asr-model=NAME] [--reseg-off] [--set=OPTION=VALUE ...]

Cases: pyannote.audio's real phone call (media/pyannote, RTTM truth), real-voice conversations
of pocketsphinx-testdata's speakers and alsa-utils' test voice (reelmind.eval.conversation: 3 voices
x 3 seeds, pairs, 4 voices, one reader alone), a flite dialogue with 10 % overlap and the ground-truth film
(reelmind.eval.groundtruth: 4 flite voices, 11 lines, ~0.8-s pauses). For each: segmentation-3.0 windows
(STEP_S, default 5) over the VAD speech, resemblyzer per (window, local speaker), the stage's
clustering (:func:`cluster_speakers` as :class:`SegmentationDiarizer` calls it) and aggregation,
scored by :func:`reelmind.eval.diarization.der` (0.25 s collar, overlap scored). "oracle" gives
every turn of every local speaker its true majority speaker instead of a cluster: the DER left by
turns that mix two voices, i.e. what no clustering of these windows' turns can beat;
"der_resegmented" the same activity after :func:`reelmind.perceive.audio.resegment.resegment`;
"floor_resegmented" its missed + false-alarm share (speech and overlap the segmentation's speaker count
misses or invents: what no choice of speaker per frame can remove); "der_oracle_centroids" the
resegmentation (one pass) with each true speaker's mean voice window as centroid (when the speaker
count found is the true one): the DER left by the 1.6-s voice windows themselves.
With ``--asr`` the whole audio stage (emotions off; the default ASR model, or ``--asr-model=tiny.en``)
also runs on each conversation: words on the right speaker and utterances per turn
(reelmind.eval.diarization.diarization_metrics; a turn is one clip, the speaker changes at every turn:
reelmind.eval.conversation's strict interleave; in the one-reader monologue each clip counts); with ``--reseg-off`` also with
``speaker_resegmentation: none`` (``*_no_reseg``); ``--set=asr_sparse_stretches=keep`` sets an audio option of
the stage runs (a string, int or float option; repeatable).
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

CASES = {"real3 seed 0": dict(rounds=2, seed=0), "real3 seed 1": dict(rounds=2, seed=1),
         "real3 seed 2": dict(rounds=2, seed=2), "reader + cards": dict(rounds=3, seed=0, speakers=("reader", "cards")),
         "reader + digits": dict(rounds=3, seed=3, speakers=("reader", "digits")),
         "cards + digits": dict(rounds=3, seed=5, speakers=("cards", "digits")),
         "one reader": dict(rounds=2, seed=4, speakers=("reader",)),
         "reader + alsa": dict(rounds=3, seed=6, speakers=("reader", "alsa")),
         "cards + alsa": dict(rounds=2, seed=7, speakers=("cards", "alsa")),
         "4 real voices": dict(rounds=1, seed=8, speakers=("reader", "cards", "digits", "alsa"))}


def conversations(tmp: Path) -> dict[str, tuple[Path, list]]:
    from reelmind.core.media import media_dir
    from reelmind.eval.conversation import flite_conversation, real_conversation

    out = {}
    from reelmind.eval.nist import read_conversation

    phone = media_dir() / "pyannote"
    if (phone / "sample.rttm").exists():
        out["phone call (pyannote sample)"] = (phone / "sample.wav",
                                               read_conversation(phone / "sample.rttm", phone / "sample.stm"))
    from reelmind.eval.conversation import real_voices

    have = set(real_voices())
    for name, kw in CASES.items():
        if not set(kw.get("speakers", ("reader", "cards", "digits"))) <= have:
            continue
        p = tmp / f"{len(out)}.wav"
        out[name] = (p, [t.__dict__ for t in real_conversation(p, **kw)])
    p = tmp / "flite.wav"
    out["flite, 10 % overlap"] = (p, [t.__dict__ for t in flite_conversation(p, overlap_share=0.1, seed=1)])
    from reelmind.eval.groundtruth import build, load

    truth = load(build(tmp / "gtfilm"))
    out["ground-truth film (4 flite voices)"] = (tmp / "gtfilm" / "film.wav", [
        {"start": ln["start"], "end": ln["end"], "speaker": ln["voice"], "text": ln["text"]} for ln in truth["lines"]])
    return out


def majority(win, turns, ref) -> np.ndarray:
    """True speaker most active on the frames of every turn of a local speaker (the oracle's labels)."""
    from reelmind.perceive.audio.segmentation import FRAME_STEP, frame_time

    spk = sorted({s for _, _, s in ref})
    out = np.full(len(turns), -1, np.int64)
    for i in range(len(turns)):
        w, k, a, b = int(turns.window[i]), int(turns.local[i]), int(turns.first[i]), int(turns.stop[i])
        t = frame_time(win.start[w] // FRAME_STEP + np.arange(a, b))[win.active[w, a:b, k]]
        counts = np.zeros(len(spk))
        for x, y, s in ref:
            counts[spk.index(s)] += np.sum((t >= x) & (t < y))
        if counts.max() > 0:
            out[i] = int(np.argmax(counts))
    return out


def oracle_centroids(track, ref, cents) -> np.ndarray | None:
    """Each true speaker's mean voice window (windows centred inside one true turn, no overlap), in
    the order of the found speakers they are nearest to; None when the found count is not the true one."""
    spk = sorted({s for _, _, s in ref})
    if len(spk) != len(cents) or len(spk) < 2:
        return None
    from scipy.optimize import linear_sum_assignment

    who = np.full(len(track), -1)
    for a, b, s in ref:
        m = (track.centre >= a) & (track.centre < b)
        who[m & (who == -1)] = spk.index(s)
        who[m & (who != spk.index(s)) & (who >= 0)] = -2  # overlap
    v = track.vectors.astype(np.float32)
    if any(not np.any(who == i) for i in range(len(spk))):
        return None
    oc = np.stack([v[who == i].mean(axis=0) for i in range(len(spk))])
    oc /= np.linalg.norm(oc, axis=1, keepdims=True)
    return oc[linear_sum_assignment(-(np.asarray(cents) @ oc.T))[1]]


def main() -> None:
    from reelmind.eval.diarization import der
    from reelmind.eval.synth import read_wav
    from reelmind.perceive.audio.diarize import ResemblyzerEmbedder, centroids, cluster_speakers, min_speaker_weight
    from reelmind.perceive.audio.segmentation import PyannoteSegmentation
    from reelmind.perceive.audio.resegment import resegment, voice_track
    from reelmind.perceive.audio.speakers import aggregate, embed_windows, turn_labels
    from reelmind.perceive.audio.vad import iter_blocks

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    step = float(args[0]) if args else 5.0
    seg, emb = PyannoteSegmentation(step_s=step), ResemblyzerEmbedder()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (path, turns) in conversations(Path(tmp)).items():
            ref = [(t["start"], t["end"], t["speaker"]) for t in turns]
            wav = read_wav(path)[0].astype(np.float32)
            speech = [s for b in iter_blocks(wav, 600) for s in b.speech]
            win = seg(wav, 0, speech)
            loc = embed_windows(emb, wav, 0, win, step)
            track = voice_track(emb, wav, 0, win)
            labels = cluster_speakers(loc.vectors, 1, 5, weights=loc.weight, groups=loc.window, locals_=loc.local,
                                      min_cluster_weight=min_speaker_weight(loc.weight), conflict_weight=2.0)
            k = int(labels.max()) + 1 if len(labels) else 0
            cents = centroids(loc.vectors, labels, loc.weight) if k else np.zeros((0, 0))
            per_turn = turn_labels(loc, labels, cents)
            res = {}
            act = aggregate(win, loc.turns, per_turn, k, len(wav))
            base = copy.deepcopy(act)
            resegment(act, track, cents)
            d = der(ref, [(a, b, str(c)) for a, b, c in act.turns()])
            res["der_resegmented"] = round(d.der, 3)
            res["floor_resegmented"] = round((d.missed + d.false_alarm) / max(d.total, 1e-9), 3)
            oc = oracle_centroids(track, ref, cents)
            if oc is not None:
                resegment(base, track, oc, refine=0)
                res["der_oracle_centroids"] = round(der(ref, [(a, b, str(c)) for a, b, c in base.turns()]).der, 3)
            for kind, lab in (("der", per_turn), ("oracle_der", majority(win, loc.turns, ref))):
                k = int(lab.max()) + 1 if len(lab) else 0
                act = aggregate(win, loc.turns, lab, k, len(wav))
                d = der(ref, [(a, b, str(c)) for a, b, c in act.turns()])
                res[kind] = round(d.der, 3)
                if kind == "der":
                    res.update(speakers=k, true_speakers=len({s for _, _, s in ref}), missed_s=round(d.missed, 2),
                               false_alarm_s=round(d.false_alarm, 2), confusion_s=round(d.confusion, 2),
                               scored_s=round(d.total, 2), local_speakers_split=loc.split)
            if "--asr" in sys.argv:
                from reelmind.eval.diarization import diarization_metrics
                from reelmind.perceive.audio.options import AudioOptions
                from reelmind.perceive.audio.pipeline import analyze_audio

                model = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--asr-model=")), AudioOptions.asr_model)
                runs = (("none", "_no_reseg"), ("viterbi", "")) if "--reseg-off" in sys.argv else (("viterbi", ""),)
                fields = {f.name: f.type for f in __import__("dataclasses").fields(AudioOptions)}
                extra = {}
                for a in sys.argv:
                    if a.startswith("--set="):
                        key, value = a[len("--set="):].split("=", 1)
                        kind = {"int": int, "float": float}.get(str(fields[key]), str)
                        extra[key] = kind(value)
                for reseg, tag in runs:
                    r = analyze_audio(path, AudioOptions(asr_model=model, text_emotion="none", speech_emotion="none",
                                                         speaker_resegmentation=reseg, **extra),
                                      work_dir=Path(tmp) / "work")
                    st = r.speaker_turns
                    m = diarization_metrics(turns, list(zip(st.start, st.end, st.speaker)), list(r.words.word),
                                            list(r.words.speaker), list(r.words.start), len(r.utterances))
                    res.update({f"stage_der{tag}": m["der"], f"word_speaker_accuracy{tag}": m["word_speaker_accuracy"],
                                f"recognised_words{tag}": m["recognised_words"],
                                f"utterances_per_turn{tag}": m["utterances_per_turn"], f"utterances{tag}": len(r.utterances),
                                "turns": len(turns), f"rejected_segments{tag}": len(r.rejects),
                                f"speakers_found{tag}": len(set(st.speaker)), "asr_model": model, "set": extra,
                                f"sparse_stretches{tag}": {k: v for k, v in r.meta["asr"].get("sparse_stretches", {}).items()
                                                           if k != "list"}})
            rows[name] = res
            print(f"{name:30s} {res}", flush=True)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
