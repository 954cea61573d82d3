"""Diarization: who speaks when, as film-wide speaker activity, and a centroid per speaker.

Backends (:data:`DIARIZERS`, chosen by ``diarization``):

* ``pyannote-onnx`` (default): pyannote segmentation-3.0 on sliding windows
  (:mod:`.segmentation`), an embedding per (window, local speaker) — split into one per voice
  when its turns sound like two —, clustering with cannot-link constraints, a film speaker per
  turn and aggregation (:mod:`.speakers`), then a resegmentation of the single-speaker frames
  against the speakers' centroids on 1.6-s voice windows (:mod:`.resegment`;
  ``speaker_resegmentation: none`` turns it off). Speaker embeddings (:data:`EMBEDDERS`, chosen by
  ``speaker_embedding``): resemblyzer's GE2E encoder (ships in its wheel) or a user-supplied
  WeSpeaker ONNX model.
* ``pyannote``: pyannote.audio's ``SpeakerDiarization`` pipeline on the user's weights (full stack).
* ``none``.

Clustering: :func:`cluster_speakers` (average linkage with cannot-link constraints, cut at a
distance, count held in ``[min_speakers, max_speakers]``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError
from reelmind.core.models import Backends

from .extract import SAMPLE_RATE

log = logging.getLogger("reelmind.perceive.audio.diarize")

CANNOT_LINK_DISTANCE = 2.0  # cosine distance given to two local speakers of one window

#: speaker embedding backends (``speaker_embedding`` option): name -> factory(options)
EMBEDDERS = Backends("speaker embedding", {
    "resemblyzer": "reelmind.perceive.audio.diarize:_resemblyzer",
    "wespeaker": "reelmind.perceive.audio.diarize:_wespeaker",
})
#: diarization backends (``diarization`` option): name -> factory(options, profile)
DIARIZERS = Backends("diarization", {
    "pyannote-onnx": "reelmind.perceive.audio.diarize:_segmentation_diarizer",
    "resemblyzer": "reelmind.perceive.audio.diarize:_segmentation_diarizer",  # the option's old name
    "pyannote": "reelmind.perceive.audio.diarize_pyannote:pyannote_diarizer",
})


class SpeakerEmbedder(Protocol):
    name: str
    dim: int

    def embed_batch(self, clips: list[np.ndarray]) -> np.ndarray:
        """(n, dim) unit-norm embeddings of 16 kHz clips."""


@contextlib.contextmanager
def torch_threads(n: int):
    """Run torch with ``n`` intra-op threads, then restore: a small LSTM on a shared 2-core machine
    runs ~10x slower with 2 contending threads than with 1 (measured, bench/RESULTS.md)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


class ResemblyzerEmbedder:
    """GE2E speaker encoder from resemblyzer (weights: the manifest's ``resemblyzer-voice-encoder``).

    Clips are cut into 1.6-s partial spectrograms every ``stride_s``; all partials of a batch of
    clips go through the LSTM together; a clip's embedding is the normalised mean of its partials.
    ``runtime="onnx"`` (default) runs the encoder, mel filterbank included, in ONNX Runtime
    (:mod:`.voice_encoder`: no torch, librosa or numba in the process); ``"torch"`` runs
    resemblyzer's own torch module on librosa's mel spectrogram.
    """

    name = "resemblyzer"
    dim = 256
    PARTIAL = 160  # spectrogram frames (10 ms) per partial

    def __init__(self, device: str = "cpu", threads: int = 1, stride_s: float = 0.8, runtime: str = "onnx") -> None:
        from reelmind.core.errors import ConfigError

        if runtime not in ("onnx", "torch"):
            raise ConfigError(f"speaker_embed_runtime {runtime!r} is not one of: onnx, torch",
                              "set stages.audio.speaker_embed_runtime")
        self.device, self.threads, self.stride = device, threads, max(1, int(stride_s * 100))
        self.runtime = runtime
        self._enc = None

    @property
    def encoder(self):
        if self._enc is None:
            from reelmind.core import models

            if self.runtime == "onnx":
                from .voice_encoder import voice_encoder_onnx_path

                providers = "auto" if self.device != "cpu" else ["CPUExecutionProvider"]
                self._enc = models.onnx(voice_encoder_onnx_path(), task="speaker_embed", providers=providers,
                                        threads=self.threads)
                return self._enc
            try:
                from resemblyzer import VoiceEncoder
            except ImportError:
                raise MissingDependencyError("resemblyzer", "--no-deps resemblyzer webrtcvad-wheels librosa") from None
            self._enc = models.load("resemblyzer-voice-encoder",
                                    lambda p: VoiceEncoder(self.device, verbose=False, weights_fpath=p))
        return self._enc

    def _spectrogram(self, wav: np.ndarray) -> np.ndarray:
        """(frames, features) of a clip: the power spectrogram (onnx) or resemblyzer's mel (torch).
        Both are linear in the signal's power, so level scaling and slicing act on them alike."""
        if self.runtime == "onnx":
            from .voice_encoder import power_frames

            return power_frames(wav)
        from resemblyzer.audio import wav_to_mel_spectrogram

        return wav_to_mel_spectrogram(wav)

    def _forward(self, parts: np.ndarray) -> np.ndarray:
        """(n, 256) unit-norm embeddings of (n, 160, features) partials."""
        enc = self.encoder
        if self.runtime == "onnx":
            return enc.run({"power": np.ascontiguousarray(parts, np.float32)})[0]
        import torch

        with torch.no_grad(), torch_threads(self.threads):
            return enc(torch.from_numpy(parts).to(self.device)).cpu().numpy()

    def embed_batch(self, clips: list[np.ndarray]) -> np.ndarray:
        parts, owner = [], []
        from .voice_encoder import BINS, N_MELS

        feats = BINS if self.runtime == "onnx" else N_MELS
        for i, clip in enumerate(clips):
            wav = np.asarray(clip, np.float32)
            peak = float(np.max(np.abs(wav))) if wav.size else 0.0
            if peak > 0:
                wav = wav / peak * 0.9  # level-independent
            mel = self._spectrogram(wav) if wav.size >= 400 else np.zeros((0, feats), np.float32)
            if len(mel) == 0:
                mel = np.zeros((1, feats), np.float32)
            if len(mel) < self.PARTIAL:  # short clips are repeated to one partial
                mel = np.tile(mel, (int(np.ceil(self.PARTIAL / len(mel))), 1))
            starts = list(range(0, len(mel) - self.PARTIAL + 1, self.stride))
            if starts[-1] + self.PARTIAL < len(mel) - self.stride // 2:
                starts.append(len(mel) - self.PARTIAL)
            parts += [mel[s:s + self.PARTIAL] for s in starts]
            owner += [i] * len(starts)
        out = np.zeros((len(clips), self.dim), np.float32)
        if not parts:
            return out
        vecs = np.concatenate([self._forward(np.stack(parts[i:i + 256])) for i in range(0, len(parts), 256)])
        np.add.at(out, np.array(owner), vecs)
        return out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-9)

    def embed_spans(self, audio: np.ndarray, starts: np.ndarray, width: int, piece_s: float = 30.0) -> np.ndarray:
        """(n, dim) unit-norm embeddings of ``audio[s:s + width]`` for every ``s`` in ``starts``
        (multiples of 160, increasing): one partial each, cut from one spectrogram per ``piece_s``
        of audio (not one per span: spans overlap), level-normalised per span."""
        hop, margin = 160, 480  # spectrogram hop; margin: frames by the cut see the same samples
        length = max(1, width // hop)
        first = np.asarray(starts, np.int64) // hop
        out = np.zeros((len(first), self.dim), np.float32)
        piece = max(length, int(piece_s * 100))
        done = 0
        while done < len(first):
            group = np.flatnonzero((first >= first[done]) & (first < first[done] + piece))
            f0, f1 = int(first[group[0]]), int(first[group[-1]]) + length
            a = max(0, f0 * hop - margin)
            mel = self._spectrogram(np.asarray(audio[a:f1 * hop + margin], np.float32))
            parts = []
            for i in group:
                j = int(first[i]) - a // hop
                m = mel[j:j + length]
                if len(m) < length:
                    m = np.pad(m, ((0, length - len(m)), (0, 0)))
                peak = float(np.max(np.abs(audio[first[i] * hop:first[i] * hop + width]), initial=0.0))
                parts.append(m * (0.9 / peak) ** 2 if peak > 0 else m)  # power scales with the square
            for b in range(0, len(parts), 256):
                out[group[b:b + 256]] = self._forward(np.stack(parts[b:b + 256]))
            done = int(group[-1]) + 1
        return out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-9)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """A unit-norm embedding of one 16 kHz clip."""
        return self.embed_batch([audio])[0]


@functools.lru_cache(maxsize=2)
def _resemblyzer_default(runtime: str = "onnx") -> ResemblyzerEmbedder:
    return ResemblyzerEmbedder(runtime=runtime)


def _resemblyzer(options=None) -> ResemblyzerEmbedder:
    return _resemblyzer_default(getattr(options, "speaker_embed_runtime", "onnx") or "onnx")


class WeSpeakerOnnx:
    """A WeSpeaker / pyannote speaker-embedding model exported to ONNX (user-supplied weights).

    Input ``feats`` (batch, frames, 80): Kaldi-style log-mel filterbanks (25 ms Povey
    window, 10 ms hop, mean-normalised per clip); output (batch, D) embeddings.
    """

    name = "wespeaker"

    def __init__(self, model_path: str, threads: int = 0) -> None:
        if not model_path or not Path(model_path).expanduser().is_file():
            raise MissingModelError("the wespeaker speaker embedding needs a local ONNX model",
                                    "set speaker_embedding_model to e.g. your exported wespeaker-voxceleb-resnet34-LM.onnx")
        from reelmind.core import models

        self.onnx = models.onnx(Path(model_path).expanduser(), task="speaker_embedding", threads=threads or None)
        self.dim = 0

    @classmethod
    def from_options(cls, options) -> "WeSpeakerOnnx":
        return cls(options.speaker_embedding_model, options.cpu_threads)

    def embed_batch(self, clips: list[np.ndarray]) -> np.ndarray:
        outs = []
        for clip in clips:  # clips differ in length: one run each
            feats = fbank(np.asarray(clip, np.float32))[None]
            emb = np.asarray(self.onnx.run({self.onnx.input_names[0]: feats})[0]).reshape(-1)
            outs.append(emb / (np.linalg.norm(emb) + 1e-9))
        self.dim = outs[0].size if outs else self.dim
        return np.stack(outs).astype(np.float32) if outs else np.zeros((0, self.dim), np.float32)


def fbank(wav: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """Kaldi-compatible 80-bin log-mel filterbank features (frames, 80), mean-normalised."""
    import librosa

    x = wav * 32768.0  # Kaldi works on 16-bit sample values
    if len(x) < 400:
        x = np.pad(x, (0, 400 - len(x)))
    n = 1 + (len(x) - 400) // 160
    idx = np.arange(400)[None] + 160 * np.arange(n)[:, None]
    frames = x[idx]
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames = np.concatenate([frames[:, :1], frames[:, 1:] - 0.97 * frames[:, :-1]], axis=1)
    frames = frames * np.power(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399), 0.85)  # Povey window
    spec = np.abs(np.fft.rfft(frames, n=512)) ** 2
    mel = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=512, n_mels=n_mels, fmin=20, fmax=SAMPLE_RATE / 2, htk=True, norm=None)
    feats = np.log(np.maximum(spec @ mel.T, np.finfo(np.float32).eps)).astype(np.float32)
    return feats - feats.mean(axis=0, keepdims=True)


def make_embedder(options) -> SpeakerEmbedder:
    return EMBEDDERS.create(options.speaker_embedding, options)


# ----------------------------------------------------------------------------- clustering
def cluster_speakers(
    emb: np.ndarray,
    min_speakers: int = 1,
    max_speakers: int = 5,
    single_speaker_distance: float = 0.35,
    weights: np.ndarray | None = None,
    cluster_distance: float = 0.3,
    groups: np.ndarray | None = None,
    min_cluster_weight: float = 0.0,
    conflict_weight: float | None = None,
    conflict_share: float = 0.2,
    locals_: np.ndarray | None = None,
    max_link_share: float = 0.15,
    hard_link_weight: float = 60.0,
    min_link_ratio: float = 0.5,
) -> np.ndarray:
    """Speaker label per row of ``emb`` (unit vectors), 0..k-1 ordered by first appearance.

    Average-linkage on cosine distance, cut where clusters are ``cluster_distance`` apart
    (resemblyzer: one voice's embeddings average 0.14-0.17 apart, different real voices
    0.29-0.46, flite voices >= 0.33), the count then held inside ``[min_speakers, max_speakers]``.
    Rows with the same ``groups`` value (local speakers of one segmentation window) cannot link:
    their distance is raised to :data:`CANNOT_LINK_DISTANCE` for the linkage; with ``locals_``
    (the local speaker of each row) only rows of different local speakers of a window cannot
    link (the voices of one split local speaker may), and only when they sound at least half
    ``single_speaker_distance`` apart: segmentation-3.0 also splits one voice into two local speakers
    (a reader across two of his own recordings: 0.13-0.14 apart; two clusters 0.08 apart survived
    the linkage on that constraint alone), while two real voices, telephone ones included, sit
    0.21 or more apart; with ``conflict_weight``, also only when both rows weigh that much (a local
    speaker heard alone for less gives a vector too unsteady to forbid a link: one reader's 2.6-s
    clip sat 0.20 from his other clips in its window and became a fourth speaker). A set whose
    embeddings are nearly all close (90th percentile under ``single_speaker_distance``) is one
    speaker unless a window holds two clearly different voices (distance over twice that) or,
    with ``conflict_weight``, at least ``conflict_share`` of the windows hold two local speakers
    that both weigh ``conflict_weight`` or more and whose voices are at least half
    ``single_speaker_distance`` apart (the segmentation keeps hearing two voices at length, however
    close their embeddings: telephone voices are 0.21-0.26 apart for resemblyzer; one window
    splitting one voice is not enough, nor windows that split one reader into two local speakers
    0.13-0.14 apart, inside one voice's own spread). Clusters whose total weight is
    under ``min_cluster_weight`` (e.g. seconds of speech) join the nearest remaining cluster they
    do not share a window with (the nearest one if they share windows with all).

    Over a film the raised distances are a few dozen pairs among tens of thousands and average
    linkage averages them away (two real readers 0.16 apart became one speaker in 20 minutes):
    two clusters that both weigh ``hard_link_weight`` (a minute of voice each: a film's speakers,
    never a one-minute conversation's) may not merge while the cannot-link pairs between them
    exceed ``max_link_share`` of the smaller one's rows and ``min_link_ratio`` of the pairs of their
    rows that share a window as different local speakers (:mod:`.linkage`; 0.15: one reader's own
    false cannot-links are 3 % of his rows; 0.2 let a 4-voice 10-minute film lose a voice; without
    the ratio, a cluster of turns mixing two voices (10 cannot-links in 36 shared-window pairs with
    the voice it mostly held) stood as a third speaker of a 2-voice 10-minute film).
    """
    n = len(emb)
    if n <= 1:
        return np.zeros(n, np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    emb = np.asarray(emb, dtype=np.float64)
    plain = np.clip(pdist(emb, metric="cosine"), 0, 2)
    conflict = False
    same = None
    if groups is not None:
        g = np.asarray(groups)
        loc = np.arange(n) if locals_ is None else np.asarray(locals_)
        square = squareform(plain)
        same = cannot_links(square, g, loc, weights, single_speaker_distance, conflict_weight)
        conflict = bool(np.any(same & (square > 2 * single_speaker_distance)))
        if conflict_weight is not None:  # windows where two local speakers each weigh conflict_weight
            keys, row_key = np.unique(np.stack([g, loc], axis=1), axis=0, return_inverse=True)
            w = np.ones(n) if weights is None else np.asarray(weights, np.float64)
            row_key = row_key.reshape(-1)
            heavy = np.bincount(row_key, weights=w) >= conflict_weight
            conflict |= _two_voice_windows(emb, w, row_key, keys, heavy, single_speaker_distance / 2) >= max(
                1.0, conflict_share * len(np.unique(g)))
    lo, hi = max(1, min_speakers), max(1, min(max_speakers, n))
    # one speaker: a high quantile, not the max (a few poor embeddings of a long monologue must not split it)
    if lo == 1 and float(np.quantile(plain, 0.9)) < single_speaker_distance and not conflict:
        return np.zeros(n, np.int64)
    if same is None:
        tree = linkage(plain, method="average")
        labels = fcluster(tree, cluster_distance, criterion="distance") - 1
        k = int(labels.max()) + 1
        if k > hi or k < lo:
            labels = fcluster(tree, min(max(k, lo), hi), criterion="maxclust") - 1
    else:  # the constraints must hold at film length too, where a soft penalty is averaged away
        from .linkage import constrained_average_linkage, cut

        # the soft penalty too: it is what keeps a one-minute conversation's voices apart
        square = np.where(same, np.maximum(square, CANNOT_LINK_DISTANCE), square)
        pairs = shared_window_pairs(g, loc) if min_link_ratio > 0 else None
        merges = constrained_average_linkage(square, same, max_link_share, weights, hard_link_weight, overwrite=True,
                                             pairs=pairs, min_link_ratio=min_link_ratio)
        labels = cut(merges, n, cluster_distance, lo, hi)
    if min_cluster_weight > 0:
        labels = _absorb_small(emb, labels, weights, same, min_cluster_weight, lo)
    labels = np.unique(labels, return_inverse=True)[1]
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return order[labels].astype(np.int64)


def min_speaker_weight(weights: np.ndarray, min_speaker_s: float = 2.0, min_speaker_share: float = 0.01) -> float:
    """The least voice (seconds heard alone, summed over rows) a cluster needs to be a speaker of its
    own: ``min_speaker_s``, and ``min_speaker_share`` of all the rows' voice (in a 6-minute film
    three stray embeddings, 2.9 s, made a fourth speaker whose centroid then pulled frames)."""
    return max(min_speaker_s, min_speaker_share * float(np.sum(weights)))


def shared_window_pairs(groups: np.ndarray, locals_: np.ndarray) -> np.ndarray:
    """(n, n) bool: the pairs of rows that are different local speakers of one window."""
    return (groups[:, None] == groups[None, :]) & (locals_[:, None] != locals_[None, :])


def cannot_links(distance: np.ndarray, groups: np.ndarray, locals_: np.ndarray, weights: np.ndarray | None,
                 single_speaker_distance: float = 0.35, conflict_weight: float | None = None) -> np.ndarray:
    """(n, n) bool: the pairs of rows that may not share a speaker (:func:`cluster_speakers`' rule):
    different local speakers of one window, at least half ``single_speaker_distance`` apart
    (cosine ``distance``, square), and, with ``conflict_weight`` and ``weights``, both heard that long."""
    same = shared_window_pairs(groups, locals_)
    same &= distance >= single_speaker_distance / 2  # as close as one voice's own windows: no constraint
    if conflict_weight is not None and weights is not None:  # a short local voice's vector cannot veto
        long_enough = np.asarray(weights, np.float64) >= conflict_weight
        same &= long_enough[:, None] & long_enough[None, :]
    return same


def _two_voice_windows(emb: np.ndarray, w: np.ndarray, row_key: np.ndarray, keys: np.ndarray, heavy: np.ndarray,
                       min_distance: float) -> int:
    """How many windows hold two heavy local speakers (``keys`` rows: window, local) whose weighted
    mean embeddings are at least ``min_distance`` (cosine) apart."""
    from .speakers import unit_mean

    means = {int(k): unit_mean(emb[row_key == k], w[row_key == k]) for k in np.flatnonzero(heavy)}
    count = 0
    for win in np.unique(keys[heavy, 0]):
        ks = [k for k in means if keys[k, 0] == win]
        if any(1.0 - float(means[a] @ means[b]) >= min_distance for i, a in enumerate(ks) for b in ks[i + 1:]):
            count += 1
    return count


def _absorb_small(emb: np.ndarray, labels: np.ndarray, weights: np.ndarray | None, same: np.ndarray | None,
                  min_weight: float, min_k: int) -> np.ndarray:
    labels = np.unique(labels, return_inverse=True)[1]
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, np.float64)
    while labels.max() + 1 > max(1, min_k):
        tot = np.bincount(labels, weights=w)
        small = int(np.argmin(tot))
        if tot[small] >= min_weight:
            break
        cents = centroids(emb, labels, w).astype(np.float64)
        sim = cents @ cents[small]
        sim[small] = -np.inf
        if same is not None:  # prefer a cluster it never shares a window with
            shares = np.array([bool(same[np.ix_(labels == small, labels == c)].any()) for c in range(len(cents))])
            if not shares[np.arange(len(cents)) != small].all():
                sim[shares] = -np.inf
        target = int(np.argmax(sim))
        labels = np.unique(np.where(labels == small, target, labels), return_inverse=True)[1]
    return labels


def centroids(emb: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Unit-norm (weighted) mean embedding of every label 0..k-1."""
    from .speakers import unit_mean

    k = int(labels.max()) + 1 if len(labels) else 0
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, np.float64)
    out = np.zeros((k, emb.shape[1]), np.float32)
    for c in range(k):
        out[c] = unit_mean(np.asarray(emb)[labels == c], w[labels == c])
    return out


# ----------------------------------------------------------------------------- diarizers
@dataclass
class Diarization:
    """A film's diarization: activity on the frame grid, one centroid per speaker, facts for meta."""

    activity: object  # speakers.SpeakerActivity
    centroids: np.ndarray
    info: dict = field(default_factory=dict)
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # embeddings per speaker


class SegmentationDiarizer:
    """The default: segmentation windows + embeddings per (window, local speaker), block by block."""

    name = "pyannote-onnx"

    def __init__(self, segmenter, embedder, *, min_speakers: int = 1, max_speakers: int = 5,
                 min_embed_s: float = 0.4, min_speaker_s: float = 2.0, min_speaker_share: float = 0.01,
                 resegment: bool = True, resegment_steps: int = 8) -> None:
        self.segmenter, self.embedder = segmenter, embedder
        self.resegment_steps = resegment_steps
        self.min_speakers, self.max_speakers, self.min_embed_s = min_speakers, max_speakers, min_embed_s
        self.min_speaker_s, self.min_speaker_share, self.resegment = min_speaker_s, min_speaker_share, resegment
        self._windows, self._locals, self._offsets, self._tracks = [], [], [], []
        self._n_windows = 0

    @classmethod
    def from_options(cls, options, profile=None) -> "SegmentationDiarizer":
        from .options import unknown_backend
        from .pipeline import resolve_batch_size
        from .segmentation import PyannoteSegmentation

        if options.speaker_resegmentation not in ("viterbi", "none"):
            raise unknown_backend("speaker_resegmentation", options.speaker_resegmentation, "viterbi, none")

        seg = PyannoteSegmentation(step_s=options.segmentation_step_s, profile=profile, threads=options.cpu_threads,
                                   batch_size=resolve_batch_size(options.segmentation_batch_size, profile,
                                                                 "speaker_segmentation", _segmentation_batch(options)))
        return cls(seg, make_embedder(options), min_speakers=options.min_speakers, max_speakers=options.max_speakers,
                   min_speaker_share=options.min_speaker_share,
                   resegment=options.speaker_resegmentation != "none",
                   resegment_steps=options.speaker_resegmentation_steps)

    def model_files(self) -> list:
        files = [self.segmenter.model_file]
        if self.embedder.name == "resemblyzer":
            from reelmind.core import models

            files.append(models.resolve("resemblyzer-voice-encoder"))
        return files

    def add_block(self, audio: np.ndarray, block_start: int, speech: list[tuple[float, float]]) -> None:
        from .speakers import embed_windows

        win = self.segmenter(audio, block_start, speech)
        loc = embed_windows(self.embedder, audio, block_start, win, self.segmenter.step_s, self.min_embed_s)
        if self.resegment:
            from .resegment import voice_track

            self._tracks.append(voice_track(self.embedder, audio, block_start, win))
        self._windows.append(win)
        self._locals.append(loc)
        self._offsets.append(self._n_windows)
        self._n_windows += len(win)

    def finish(self, n_samples: int) -> Diarization:
        from .segmentation import FRAME_STEP, WindowActivity
        from .speakers import LocalEmbeddings, aggregate, turn_labels

        win = WindowActivity.concat(self._windows)
        loc = LocalEmbeddings.concat(self._locals, self._offsets)
        labels = cluster_speakers(loc.vectors, self.min_speakers, self.max_speakers, weights=loc.weight,
                                  groups=loc.window, locals_=loc.local,
                                  min_cluster_weight=min_speaker_weight(loc.weight, self.min_speaker_s, self.min_speaker_share),
                                  conflict_weight=self.min_speaker_s) if len(loc) else np.zeros(0, np.int64)
        k = int(labels.max()) + 1 if len(labels) else 0
        cents = centroids(loc.vectors, labels, loc.weight) if k else np.zeros((0, 0), np.float32)
        per_turn = turn_labels(loc, labels, cents)
        activity = aggregate(win, loc.turns, per_turn, k, n_samples)
        resegmented = 0
        if self.resegment:
            from .resegment import VoiceTrack, resegment

            resegmented = resegment(activity, VoiceTrack.concat(self._tracks), cents, refine=self.resegment_steps)
        new_of_old = activity.order_by_first_turn(np.arange(k))
        labels = new_of_old[labels] if len(labels) else labels
        cents = cents[np.argsort(new_of_old)] if k else cents
        merged = 0
        if len(loc):  # constrained pairs that still ended in one speaker
            from scipy.spatial.distance import pdist, squareform

            vec = np.asarray(loc.vectors, np.float64)
            same = cannot_links(squareform(np.clip(pdist(vec, metric="cosine"), 0, 2)), loc.window, loc.local,
                                loc.weight, conflict_weight=self.min_speaker_s)
            merged = int(np.sum(same & (labels[:, None] == labels[None, :])) // 2)
        info = {"windows": len(win), "step_s": self.segmenter.step_s, "local_embeddings": len(loc),
                "local_speakers_split": loc.split, "turns": len(loc.turns),
                "turns_abstained": int(np.sum((per_turn < 0) & (loc.turns.row >= 0))),
                "speakers": k, "cannot_link_pairs_merged": merged, "embedding": self.embedder.name,
                "resegmentation": "viterbi" if self.resegment else "none",
                "resegmented_s": round(resegmented * FRAME_STEP / SAMPLE_RATE, 2),
                "segmentation": {"model": self.segmenter.model_file.name, "sha256": self.segmenter.model_file.sha256}}
        self._windows, self._locals, self._offsets, self._tracks, self._n_windows = [], [], [], [], 0
        return Diarization(activity, cents, info, np.bincount(labels, minlength=k))


def _segmentation_batch(options) -> int:
    """Default windows per segmentation batch without a profile: 16 on a GPU; 4 on the CPU, where
    SincNet's activations of 16 windows held ~440 MB at peak against ~150 MB for 4, which costs
    ~10 % more CPU time (measured, bench/RESULTS.md)."""
    if options.device == "cpu":
        return 4
    try:
        import onnxruntime

        gpu = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    except ImportError:
        gpu = False
    return 16 if gpu and options.device in ("auto", "cuda") else 4


def _wespeaker(options) -> WeSpeakerOnnx:
    return WeSpeakerOnnx.from_options(options)


def _segmentation_diarizer(options, profile=None) -> SegmentationDiarizer:
    return SegmentationDiarizer.from_options(options, profile)


def make_diarizer(options, profile=None):
    """The diarizer named by ``options.diarization`` (None for ``none``)."""
    if options.diarization == "none":
        return None
    return DIARIZERS.create(options.diarization, options, profile)
