"""ASR backends: faster-whisper (default) and WhisperX (user-supplied weights), word times in s.

Both implement :class:`AsrBackend`: ``transcribe(audio, clips, offset)`` over VAD speech
regions of one block. The faster-whisper backend decodes with ``BatchedInferencePipeline``
(the speech regions are packed into 30-s windows with short pauses, one window per batch
item, see :func:`pack_regions`), or, in ``sequential`` mode, with the plain
``WhisperModel.transcribe`` (the baseline of the RTF benchmark). Either way the words are then
grouped by VAD region: one utterance per region. A multilingual model's film language is read
from the first batch's encoder output, which decoding then reuses (no encoder pass of its own).
Whisper may end a packed window early (end-of-text after its first region) or leave out regions
between its words: every region that got no word is decoded once more, each as its own window
(:func:`skipped_regions`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError
from reelmind.core.models import Backends

from .extract import SAMPLE_RATE

log = logging.getLogger("reelmind.perceive.audio.asr")


@dataclass
class AsrWord:
    start: float
    end: float
    word: str
    prob: float = float("nan")
    raw: str = ""  # as decoded, with its leading space (joins words back into text)


@dataclass
class AsrSegment:
    """One decoded segment, in film time (seconds), with Whisper's quality statistics."""

    start: float
    end: float
    text: str
    avg_logprob: float = float("nan")
    compression_ratio: float = float("nan")
    no_speech_prob: float = float("nan")
    language: str = ""
    words: list[AsrWord] = field(default_factory=list)


class AsrBackend(Protocol):
    name: str

    def transcribe(self, audio: np.ndarray, clips: list[tuple[float, float]], offset: float) -> list[AsrSegment]:
        """Transcribe the speech ``clips`` (block time, s) of ``audio``; return film-time segments."""


def _device(device: str) -> str:
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:  # noqa: BLE001 - no CUDA runtime at all
        return "cpu"


@functools.lru_cache(maxsize=2)
def _whisper_model(model_dir: str, device: str, compute_type: str, cpu_threads: int):
    """One loaded WhisperModel per (folder, device, precision, threads) per process (films of an archive)."""
    from faster_whisper import WhisperModel

    return WhisperModel(model_dir, device=device, compute_type=compute_type, cpu_threads=cpu_threads,
                        local_files_only=True)


class FasterWhisperAsr:
    """faster-whisper over a CTranslate2 Whisper folder (tiny.en, base or the user's large-v3)."""

    name = "faster-whisper"

    def __init__(self, model_dir: Path, *, mode: str = "batched", batch_size: int = 4, beam_size: int = 5,
                 language: str = "", device: str = "auto", compute_type: str = "default", cpu_threads: int = 0,
                 vad: dict | None = None, language_switch_prob: float = 0.8,
                 language_detection: str = "windows", skipped_regions: str = "redecode") -> None:
        from reelmind.core.errors import ConfigError

        if mode not in ("batched", "sequential"):
            raise ValueError(f"asr_mode must be batched or sequential, got {mode!r}")
        if language_detection not in ("windows", "packed"):
            raise ConfigError(f"stages.audio.language_detection: {language_detection!r} is not a choice",
                              "use windows (the default) or packed")
        if skipped_regions not in ("redecode", "keep"):
            raise ConfigError(f"stages.audio.asr_skipped_regions: {skipped_regions!r} is not a choice",
                              "use redecode (the default) or keep")
        self.skipped_action = skipped_regions
        #: regions a packed window's decoding left behind: how many, their seconds, how many decoded again
        self.skipped = {"regions": 0, "seconds": 0.0, "redecoded": 0}
        self.skipped_empty: list[tuple[float, float]] = []  # those still without words (film time, s)
        self.model_dir, self.mode, self.batch_size, self.beam_size = Path(model_dir), mode, max(1, batch_size), beam_size
        self.device = _device(device)
        self.compute_type = compute_type if compute_type != "default" else ("float16" if self.device == "cuda" else "int8")
        self.cpu_threads, self.vad = cpu_threads, dict(vad or {})
        self.language = language or None
        self.language_switch_prob = language_switch_prob
        self.language_detection = language_detection
        self.film_language: str | None = None
        self.film_language_prob = float("nan")
        self.window_languages: dict[str, int] = {}
        self._model = None
        self._batched = None

    @property
    def model(self):
        if self._model is None:
            try:
                import faster_whisper  # noqa: F401  (loaded in _whisper_model)
            except ImportError:
                raise MissingDependencyError("faster-whisper", "faster-whisper") from None
            if not (self.model_dir / "model.bin").exists():
                raise MissingModelError(f"no CTranslate2 model.bin in {self.model_dir}", "see asr_model in the audio options")
            model = _whisper_model(str(self.model_dir), self.device, self.compute_type, self.cpu_threads)
            n_mels, n_feat = int(model.model.n_mels), int(model.feature_extractor.mel_filters.shape[0])
            if n_mels != n_feat:  # e.g. large-v3 (128 mel bins) converted without preprocessor_config.json
                raise MissingModelError(
                    f"the Whisper model in {self.model_dir} expects {n_mels} mel bins but its folder configures {n_feat}",
                    f'add preprocessor_config.json to the folder (copy it from the original model, or write '
                    f'{{"feature_size": {n_mels}}})')
            self._model = model
            if self.language is None and not self._model.model.is_multilingual:
                self.language = "en"
        return self._model

    def _convert(self, segments, offset: float, language, regions: list[tuple[float, float]]) -> list[AsrSegment]:
        """faster-whisper segments -> film-time AsrSegments; ``language`` is a code or a function of the segment."""
        out = []
        for s in segments:
            lang = language(s) if callable(language) else language
            words = [(float(w.start), float(w.end), w.word, float(w.probability)) for w in (s.words or [])]
            stats = (float(s.avg_logprob), float(s.compression_ratio), float(s.no_speech_prob))
            if not words:
                start = float(s.start) + offset
                out.append(AsrSegment(start, max(float(s.end) + offset, start), s.text.strip(), *stats, lang))
                continue
            for k, group in zip(*region_groups(words, regions)):
                ws = [AsrWord(a + offset, max(b, a) + offset, w.strip(), p, w) for a, b, w, p in group]
                text = "".join(w for _, _, w, _ in group).strip()
                start, end = ws[0].start, max(ws[-1].end, ws[0].start)
                if k >= 0:  # the utterance spans its speech region (VAD times incl. padding) and its words
                    start, end = min(start, regions[k][0] + offset), max(end, regions[k][1] + offset)
                out.append(AsrSegment(start, end, text, *stats, lang, ws))
        return out

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual) and self.language is None

    def detect_film_language(self, audio: np.ndarray) -> tuple[str, float]:
        """The language of (up to 90 s of) packed speech: the first 30-s window detected with
        probability > 0.5, else the majority over the windows (faster-whisper's rule)."""
        lang, prob, _ = self.model.detect_language(audio=np.ascontiguousarray(audio, np.float32),
                                                   language_detection_segments=3)
        return lang, float(prob)

    def detect_window_language(self, packed: np.ndarray, windows: list[tuple[float, float]]):
        """The film language from the first batch of packed windows, encoded exactly as the batched
        decoding will encode them (faster-whisper's features, padded to 30 s): the first of up to 3
        windows detected with probability > 0.5, else the majority (faster-whisper's rule). Returns
        (language, probability, (features, encoder output)): decoding reuses that encoder output, so
        the detection costs no encoder pass of its own (``language_detection: windows``)."""
        from faster_whisper.audio import pad_or_trim

        model = self.model
        first = windows[:self.batch_size]
        feats = np.stack([pad_or_trim(model.feature_extractor(
            packed[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)])[..., :-1]) for a, b in first])
        encoded = model.encode(feats)
        votes: dict[str, list[float]] = {}
        for res in model.model.detect_language(encoded)[:3]:
            lang, prob = res[0][0][2:-2], float(res[0][1])
            if prob > 0.5:
                return lang, prob, (feats, encoded)
            votes.setdefault(lang, []).append(prob)
        lang = max(votes, key=lambda k: len(votes[k]))
        return lang, max(votes[lang]), (feats, encoded)

    def transcribe(self, audio: np.ndarray, clips: list[tuple[float, float]], offset: float) -> list[AsrSegment]:
        model = self.model
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        common = self._decoding()
        if self.mode == "sequential":
            packed = audio
        else:
            if not clips:
                return []
            packed, windows, pieces = pack_regions(audio, clips)
            if not windows:
                return []
        encoded = None  # (features, encoder output) of the first batch, when detection already encoded it
        if self.multilingual and self.film_language is None and len(packed):
            if self.mode == "batched" and self.language_detection == "windows":
                self.film_language, self.film_language_prob, encoded = self.detect_window_language(packed, windows)
            else:
                self.film_language, self.film_language_prob = self.detect_film_language(packed)
            log.info("film language %s (p=%.2f)", self.film_language, self.film_language_prob)
        language = self.language or self.film_language
        with _LanguageGate(model, language, self.language_switch_prob, active=self.multilingual,
                           encoded=encoded) as gate:
            if self.mode == "sequential":
                segs, info = model.transcribe(audio, vad_filter=True, vad_parameters=self.vad or None,
                                              condition_on_previous_text=False, language=language,
                                              multilingual=gate.active, **common)
                kept, langs = [], {}
                for seg in segs:  # a segment comes right after the detection of its 30-s window
                    kept.append(seg)
                    langs[id(seg)] = gate.last or info.language
                self._count_languages(gate)
                return self._convert(kept, offset, lambda s: langs[id(s)], clips)
            if self._batched is None:
                from faster_whisper import BatchedInferencePipeline

                self._batched = BatchedInferencePipeline(model)
            segs, info = self._batched.transcribe(packed, clip_timestamps=[{"start": a, "end": b} for a, b in windows],
                                                  batch_size=self.batch_size, without_timestamps=True, language=language,
                                                  multilingual=gate.active, **common)
            segs = list(segs)
        self._count_languages(gate)
        langs = _window_languages(segs, windows, gate, info)
        skipped = skipped_regions([[(w.start, w.end) for w in seg.words or []] for seg in segs], pieces)
        for seg in segs:  # packed time -> block time
            for w in seg.words or []:
                w.start, w.end = unpack_time(w.start, pieces), unpack_time(w.end, pieces)
            seg.start, seg.end = unpack_time(seg.start, pieces), unpack_time(seg.end, pieces)
        if not skipped:
            return self._convert(segs, offset, lambda s: langs[id(s)], clips)
        segs = self._redecode(audio, skipped, offset, segs, langs, language, common)
        # a region decoded again may lie between the regions of one window segment: time order per region
        return sorted(self._convert(segs, offset, lambda s: langs[id(s)], clips), key=lambda s: s.start)

    def _redecode(self, audio: np.ndarray, regions: list[tuple[float, float]], offset: float, segs: list,
                  langs: dict, language: str | None, common: dict) -> list:
        """Decode the ``regions`` (block time) a packed window left without words once more, each as its own
        window on the block audio (no packing, no further retry), and merge the segments in time
        order; ``langs`` gains the new segments' languages. With ``asr_skipped_regions: keep`` the
        regions are only counted (the stage reports them as degraded)."""
        self.skipped["regions"] += len(regions)
        self.skipped["seconds"] += sum(b - a for a, b in regions)
        if self.skipped_action != "redecode":
            self.skipped_empty += [(a + offset, b + offset) for a, b in regions]
            return segs
        log.info("%d speech region(s) skipped by a packed window's decoding: decoded again", len(regions))
        more, more_langs = self._decode_each(audio, regions, language, common)
        langs.update(more_langs)
        self.skipped["redecoded"] += len(regions)
        self.skipped_empty += [(a + offset, b + offset) for a, b in regions
                               if not any(w.start < b and w.end > a for seg in more for w in seg.words or [])]
        return sorted(segs + more, key=lambda seg: seg.start)

    def _decoding(self) -> dict:
        """Decoding settings of every call; the hallucination filter sees every segment: no silent
        fallback/drop inside Whisper."""
        return dict(beam_size=self.beam_size, word_timestamps=True,
                    log_prob_threshold=None, compression_ratio_threshold=None, no_speech_threshold=None)

    def _decode_each(self, audio: np.ndarray, regions: list[tuple[float, float]], language: str | None,
                     common: dict) -> tuple[list, dict[int, str]]:
        """Each region of ``audio`` (its own time, s; <= 30 s) decoded as its own window, one batched call:
        faster-whisper's segments and {id(segment): language}."""
        if self._batched is None:
            from faster_whisper import BatchedInferencePipeline

            self._batched = BatchedInferencePipeline(self.model)
        with _LanguageGate(self.model, language, self.language_switch_prob, active=self.multilingual) as gate:
            segs, info = self._batched.transcribe(audio, clip_timestamps=[{"start": a, "end": b} for a, b in regions],
                                                  batch_size=self.batch_size, without_timestamps=True,
                                                  language=language, multilingual=gate.active, **common)
            segs = list(segs)
        self._count_languages(gate)
        return segs, _window_languages(segs, regions, gate, info)

    def decode_alone(self, audio: np.ndarray, regions: list[tuple[float, float]]) -> list[AsrSegment]:
        """Each region of ``audio`` (its own time, s; <= 30 s) decoded as its own window in one batched
        call, with the stage's decoding settings and film language; segments in ``audio`` time, a
        segment's words grouped by region (:func:`region_groups`)."""
        if not regions:
            return []
        if self.multilingual and self.film_language is None:
            self.film_language, self.film_language_prob = self.detect_film_language(audio)
        segs, langs = self._decode_each(np.ascontiguousarray(audio, np.float32), regions,
                                        self.language or self.film_language, self._decoding())
        return self._convert(segs, 0.0, lambda s: langs[id(s)], regions)

    def _count_languages(self, gate: "_LanguageGate") -> None:
        for lang in gate.chosen:
            self.window_languages[lang] = self.window_languages.get(lang, 0) + 1


def _window_languages(segs: list, windows: list[tuple[float, float]], gate: "_LanguageGate", info) -> dict[int, str]:
    """{id(segment): language}: the gate's choice for the window a segment starts in (the call's
    language when the gate did not choose one per window)."""
    starts = np.array([a for a, _ in windows])
    chosen = gate.chosen if len(gate.chosen) == len(windows) else [info.language] * len(windows)
    return {id(seg): chosen[max(0, int(np.searchsorted(starts, seg.start + 1e-6)) - 1)] for seg in segs}


class _LanguageGate:
    """Stands in for the CTranslate2 Whisper model during one transcribe call.

    With ``multilingual`` decoding, faster-whisper detects the language of every 30-s window from
    the encoder output it already has (one decoder step, no extra encoder pass). The gate keeps the
    film language unless another language wins with probability >= ``switch_prob`` (short or
    noisy windows must not flip a film into another language), and records each window's choice.
    """

    def __init__(self, whisper_model, film_language: str | None, switch_prob: float, active: bool,
                 encoded: tuple | None = None) -> None:
        self._owner, self._ct2 = whisper_model, whisper_model.model
        self.film, self.switch, self.active = film_language, switch_prob, active
        self.chosen: list[str] = []
        self.last: str | None = None
        self._encoded = encoded  # (features, encoder output) already computed for the first batch

    def __enter__(self) -> "_LanguageGate":
        if self.active:
            self._owner.model = self
        if self._encoded is not None:
            self._owner.encode = self._encode  # the instance attribute shadows WhisperModel.encode
        return self

    def __exit__(self, *exc) -> None:
        self._owner.model = self._ct2
        self._owner.__dict__.pop("encode", None)
        self._encoded = None

    def _encode(self, features):
        """WhisperModel.encode, but the batch language detection already encoded is not encoded again."""
        if self._encoded is not None:
            feats, out = self._encoded
            self._encoded = None
            if features.shape == feats.shape and np.array_equal(features, feats):
                return out
        return type(self._owner).encode(self._owner, features)

    def __getattr__(self, name):
        return getattr(self._ct2, name)

    def detect_language(self, encoder_output, *args, **kwargs):
        results = self._ct2.detect_language(encoder_output, *args, **kwargs)
        out = []
        for res in results:
            top, p = res[0]
            if self.film and top[2:-2] != self.film and p < self.switch:
                film_tok = f"<|{self.film}|>"
                res = sorted(res, key=lambda tp: tp[0] != film_tok)
            out.append(res)
            self.last = res[0][0][2:-2]
            self.chosen.append(self.last)
        return out


#: silence kept between packed speech regions (s): enough for Whisper and word alignment to see a pause
PACK_GAP_S = 0.3


def pack_regions(audio: np.ndarray, clips: list[tuple[float, float]], max_s: float = 30.0,
                 gap_s: float = PACK_GAP_S) -> tuple[np.ndarray, list[tuple[float, float]], list[tuple[float, float, float]]]:
    """Pack speech regions into <= ``max_s`` windows with ``gap_s`` pauses between them.

    One window is one batch item and costs one encoder pass however much speech it holds, so
    packing (instead of one short region per item, or long silences inside windows) is what
    makes batching pay. Returns the packed waveform, the windows (packed time, s) and the
    pieces (packed start, block start, duration) that :func:`unpack_time` uses to map back.
    """
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    parts: list[np.ndarray] = []
    windows: list[list[float]] = []
    pieces: list[tuple[float, float, float]] = []
    pos = 0.0  # packed time of the next sample
    for a, b in clips:
        i, j = max(0, int(a * SAMPLE_RATE)), min(len(audio), int(b * SAMPLE_RATE))
        if j - i < SAMPLE_RATE // 20:
            continue
        seg = audio[i:j]
        dur = len(seg) / SAMPLE_RATE
        if windows and pos + gap_s + dur - windows[-1][0] <= max_s:
            parts.append(gap)
            pos += gap_s
        elif windows:  # a new window starts after a gap too (windows never share audio)
            windows[-1][1] = pos
            parts.append(gap)
            pos += gap_s
            windows.append([pos, pos])
        else:
            windows.append([pos, pos])
        pieces.append((pos, i / SAMPLE_RATE, dur))
        parts.append(seg)
        pos += dur
        windows[-1][1] = pos
    packed = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return packed, [(a, min(b, a + max_s)) for a, b in windows], pieces


#: regions shorter than this are not decoded again (s)
SKIP_MIN_S = 0.5


def skipped_regions(words: list[list[tuple[float, float]]], pieces: list[tuple[float, float, float]],
                    min_s: float = SKIP_MIN_S) -> list[tuple[float, float]]:
    """The speech regions (block time) of packed windows that got no word from their decoding.

    Whisper can emit end-of-text after the first regions of a packed window (issue 11: tiny.en
    decoded 1 of 6), or decode a window to its end and leave out regions between its words (base
    on lists of card names and loudspeaker positions, no-speech probability 0.82). ``words`` are
    the decoded segments' (start, end) words in packed time, ``pieces`` as :func:`pack_regions`
    returns them. Each word belongs to the region nearest its middle (the
    rule :func:`split_words` groups words into utterances by); a region lasting at least ``min_s``
    that no word belongs to is skipped.
    """
    if not pieces:
        return []
    starts = np.array([p0 for p0, _, _ in pieces])
    ends = starts + np.array([dur for _, _, dur in pieces])
    held = np.zeros(len(pieces), bool)
    for seg in words:
        for a, b in seg:
            mid = (a + b) / 2
            held[int(np.argmin(np.maximum(starts - mid, 0) + np.maximum(mid - ends, 0)))] = True
    return [(orig, orig + dur) for (_, orig, dur), h in zip(pieces, held) if not h and dur >= min_s]


def unpack_time(t: float, pieces: list[tuple[float, float, float]]) -> float:
    """Packed time -> block time; a time inside an inserted pause snaps to the nearest piece edge."""
    best, best_d = t, np.inf
    for p0, orig, dur in pieces:
        if p0 <= t <= p0 + dur:
            return orig + (t - p0)
        d = p0 - t if t < p0 else t - (p0 + dur)
        if d < best_d:
            best, best_d = (orig if t < p0 else orig + dur), d
    return float(best)


def split_words(words: list[tuple], regions: list[tuple[float, float]]) -> list[list[tuple]]:
    """Group a segment's (start, end, text, prob) words by the VAD speech region they fall in.

    An utterance is the speech of one VAD region (regions are split at pauses of
    ``vad_min_silence_ms``); a word outside every region joins the nearest one.
    """
    if not regions:
        return [words]
    starts = np.array([a for a, _ in regions])
    ends = np.array([b for _, b in regions])
    groups: dict[int, list[tuple]] = {}
    for w in words:
        mid = (w[0] + w[1]) / 2
        dist = np.maximum(starts - mid, 0) + np.maximum(mid - ends, 0)
        groups.setdefault(int(np.argmin(dist)), []).append(w)
    return [groups[k] for k in sorted(groups)]


def region_groups(words: list[tuple], regions: list[tuple[float, float]]) -> tuple[list[int], list[list[tuple]]]:
    """:func:`split_words` with the region index of each group (-1 when there are no regions)."""
    groups = split_words(words, regions)
    if not regions:
        return [-1] * len(groups), groups
    starts = np.array([a for a, _ in regions])
    ends = np.array([b for _, b in regions])
    idx = []
    for g in groups:
        mid = (g[0][0] + g[0][1]) / 2
        idx.append(int(np.argmin(np.maximum(starts - mid, 0) + np.maximum(mid - ends, 0))))
    return idx, groups


#: whisperx 3.8 pins torch~=2.8 and needs torchaudio, torchvision, pyannote.audio and transformers
WHISPERX_FIX = ("whisperx in a separate full-stack environment (it pins torch~=2.8 + torchaudio + torchvision "
                "+ pyannote.audio; or use asr_backend faster-whisper with asr_model = your CTranslate2 large-v3 folder)")


class WhisperXAsr:
    """The seed's WhisperX (large-v3 + wav2vec2 alignment) on the user's local weights."""

    name = "whisperx"

    def __init__(self, model_dir: Path, *, align_model: str = "", batch_size: int = 8, language: str = "",
                 device: str = "auto", compute_type: str = "default", **_: object) -> None:
        try:  # whisperx/__init__ imports lazily: import the modules load_model and align need
            import whisperx.alignment  # (imports torchaudio, transformers)
            import whisperx.asr  # noqa: F401  (imports pyannote.audio, which imports torchaudio)
        except ImportError as exc:
            missing = (exc.name or "whisperx").split(".")[0]
            what = "whisperx (the WhisperX ASR backend)" if missing == "whisperx" else \
                f"{missing} (needed by the WhisperX ASR backend)"
            raise MissingDependencyError(what, WHISPERX_FIX) from None
        if not align_model or not Path(align_model).is_dir():
            raise MissingModelError("the whisperx backend needs a local wav2vec2 alignment model",
                                    "set align_model to a folder with e.g. WAV2VEC2_ASR_LARGE_LV60K_960H weights")
        self.model_dir, self.align_model, self.batch_size = Path(model_dir), align_model, batch_size
        self.language = language or "en"
        _check_punkt(self.language)
        self.device = _device(device)
        self.compute_type = compute_type if compute_type != "default" else ("float16" if self.device == "cuda" else "int8")
        self._model = self._align = None

    def transcribe(self, audio: np.ndarray, clips: list[tuple[float, float]], offset: float) -> list[AsrSegment]:
        import whisperx

        if self._model is None:
            self._model = whisperx.load_model(str(self.model_dir), self.device, compute_type=self.compute_type,
                                              language=self.language, local_files_only=True)
            self._align = whisperx.load_align_model(language_code=self.language, device=self.device,
                                                    model_name=self.align_model)
        result = self._model.transcribe(np.ascontiguousarray(audio, np.float32), batch_size=self.batch_size)
        aligned = whisperx.align(result["segments"], self._align[0], self._align[1], audio, self.device)
        out = []
        for s in aligned["segments"]:
            words = [AsrWord(w["start"] + offset, w["end"] + offset, w["word"], w.get("score", float("nan")))
                     for w in s.get("words", []) if "start" in w]
            out.append(AsrSegment(s["start"] + offset, s["end"] + offset, s["text"].strip(),
                                  s.get("avg_logprob", float("nan")), s.get("compression_ratio", float("nan")),
                                  s.get("no_speech_prob", float("nan")), self.language, words))
        return out


def _check_punkt(language: str) -> None:
    """whisperx's alignment splits sentences with NLTK's Punkt model (``punkt_tab``) and, when it is
    missing, downloads it mid-run: refuse up front with the fix instead (no downloads at run time)."""
    import nltk
    from whisperx.alignment import PUNKT_LANGUAGES

    lang = PUNKT_LANGUAGES.get(language, "english")
    try:
        nltk.data.find(f"tokenizers/punkt_tab/{lang}/")
    except LookupError:
        raise MissingModelError(f"whisperx's alignment needs NLTK's Punkt sentence model tokenizers/punkt_tab/{lang}",
                                "python -m nltk.downloader punkt_tab (once, where a network is allowed) or set "
                                "NLTK_DATA to a folder that holds it") from None


def _faster_whisper(options, model_dir: Path, batch_size: int) -> FasterWhisperAsr:
    vad = {"threshold": options.vad_threshold, "min_silence_duration_ms": options.vad_min_silence_ms,
           "speech_pad_ms": options.vad_speech_pad_ms, "min_speech_duration_ms": 150}  # as vad.speech_regions
    return FasterWhisperAsr(model_dir, mode=options.asr_mode, batch_size=batch_size, beam_size=options.beam_size,
                            language=options.language, device=options.device, compute_type=options.compute_type,
                            cpu_threads=options.cpu_threads, vad=vad, language_switch_prob=options.language_switch_prob,
                            language_detection=options.language_detection,
                            skipped_regions=options.asr_skipped_regions)


def _whisperx(options, model_dir: Path, batch_size: int) -> WhisperXAsr:
    return WhisperXAsr(model_dir, align_model=options.align_model, batch_size=batch_size,
                       language=options.language, device=options.device, compute_type=options.compute_type)


#: ASR backends (``asr_backend`` option): name -> factory(options, model_dir, batch_size)
ASR_BACKENDS = Backends("ASR", {"faster-whisper": "reelmind.perceive.audio.asr:_faster_whisper",
                                "whisperx": "reelmind.perceive.audio.asr:_whisperx"})


def make_asr(options, model_dir: Path, batch_size: int) -> AsrBackend:
    """The ASR backend named by ``options.asr_backend``."""
    return ASR_BACKENDS.create(options.asr_backend, options, model_dir, batch_size)
