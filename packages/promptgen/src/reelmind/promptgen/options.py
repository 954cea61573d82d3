"""Options of the ``prompts`` stage (echoed into the prompt frames' metadata)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reelmind.core.errors import ConfigError
from reelmind.core.llm import LLMOptions
from reelmind.core.records import PROMPT_TIERS
from reelmind.core.stage import file_option, runtime_option

from .dimensions import DimensionOptions
from .keyframes import KeyframeOptions
from .screenplay.match import MatchOptions


@dataclass
class PromptOptions:
    """Every field is a config key under ``stages.prompts`` (nested sections for the three groups)."""

    screenplay: str = file_option("")  # Fountain / plain-text / PDF / scanned page of the film's script
    knowledge_base: str = file_option("")  # YAML: character name -> description (visual anchor)
    vocabulary: str = file_option("")  # YAML overriding cue lists of the bundled vocabulary
    language: str = "en"  # cue language: en | zh (dialogue patterns of both are always active)
    tier: str = "full"  # the tier prompts.jsonl / the HTML view / videogen use: full | pipeline | minimal
    surprise: str = "surprise"  # LSTM surprise column of moments / transitions: surprise (the seed's scale) | surprise_rank
    keyframes: KeyframeOptions = field(default_factory=KeyframeOptions)
    dimensions: DimensionOptions = field(default_factory=DimensionOptions)
    matching: MatchOptions = field(default_factory=MatchOptions)
    crop_margin: float = 0.35  # reference crop: face box widened by this share on every side
    crop_max_side: int = 512  # reference crop: longer side at most this many pixels
    ocr_min_score: float = 0.5  # OCR text boxes below this confidence are dropped
    llm_structure: bool = False  # let the configured LLM label the lines of OCR text (structure only)
    llm: LLMOptions = runtime_option(default_factory=LLMOptions)

    def __post_init__(self) -> None:
        if self.surprise not in ("surprise", "surprise_rank"):
            raise ConfigError(f"stages.prompts.surprise must be surprise or surprise_rank, got {self.surprise!r}")
        if self.tier not in PROMPT_TIERS:
            raise ConfigError(f"stages.prompts.tier must be one of {', '.join(PROMPT_TIERS)}, got {self.tier!r}")
