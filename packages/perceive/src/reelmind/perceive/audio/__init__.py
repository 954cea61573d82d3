"""perceive.audio: film audio -> utterances with words, speakers, text and speech emotion.

Extract (16 kHz mono, streamed) -> optional separation / denoise -> VAD -> Whisper ASR with
word timestamps -> hallucination filter -> diarization + voice profiles -> text emotion
(7 classes) -> speech emotion (arousal / valence / dominance) with degradation detection.
The entry point is :func:`reelmind.perceive.audio.pipeline.analyze_audio`; the orchestrator
uses :data:`reelmind.perceive.audio.stage.STAGE`.
"""

from .options import AudioOptions

__all__ = ["AudioOptions"]
