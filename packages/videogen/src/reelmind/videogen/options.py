"""Options of the videogen stage and the ``reelmind video`` command."""

from __future__ import annotations

from dataclasses import dataclass, field

from reelmind.core.stage import runtime_option

MODES = ("t2v", "i2v", "a2v", "i2v+a2v")


@dataclass
class VideoOptions:
    """Every model file, size and sampler setting is an option; ``None`` takes the tier's default
    (:mod:`reelmind.videogen.profiles`), which follows the official ComfyUI templates."""

    mode: str = "t2v"  # t2v | i2v | a2v | i2v+a2v
    profile: str = "rtx5070ti-laptop-12gb"  # rtx5070ti-laptop-12gb | a40-48gb | h100-80gb (or 12gb/48gb/80gb)
    seeds: list[int] = field(default_factory=lambda: [42, 123, 777])
    width: int | None = None
    height: int | None = None
    frames: int | None = None  # 8k+1
    min_frames: int = 25  # the clamp never goes below this
    fps: float | None = None  # CreateVideo fps (templates: 24)
    frame_rate: float | None = None  # LTXVConditioning frame_rate (ltxv template: 25, ltx2: = fps)
    steps: int = 30  # ltxv LTXVScheduler steps (template 30)
    cfg: float | None = None  # ltxv template 3.0, ltx2 template 1.0 (distilled LoRA)
    sampler: str = "euler"
    max_shift: float = 2.05
    base_shift: float = 0.95
    terminal: float = 0.1
    strength: float = 0.7  # I2V reference strength (the seed's cloud setting)
    img_compression: int = 35  # LTXVPreprocess on the reference (ltxv template 35, ltx2 template 18)
    lora_strength: float = 0.5  # ltx2 distilled LoRA (template 0.5); ltxv two-stage LoRA
    stage2_denoise_step: int = 20  # ltxv two-stage: the refine pass starts at this step of `steps`
    sigmas_stage1: str = "1.0, 0.99375, 0.9875, 0.98125, 0.975, 0.909375, 0.725, 0.421875, 0.0"
    sigmas_stage2: str = "0.85, 0.7250, 0.4219, 0.0"
    negative: str | None = None  # None: the template's negative prompt
    # model files (None: the tier default for the graph family)
    ckpt: str | None = None
    unet: str | None = None
    vae: str | None = None
    clip: str | None = None
    text_encoder: str | None = None
    text_ckpt: str | None = None
    audio_vae: str | None = None
    lora: str | None = None
    upscaler: str | None = None
    output_format: str = "mp4"
    codec: str = "h264"
    # checks
    repeat_seed: int | None = 42  # rerun this seed once (after /free) to check MD5 reproducibility; None: skip
    scatter: bool = True  # run reelmind's faces stage on every clip
    stitch: bool = True  # one crossfaded arc per character
    crossfade: float = 0.5  # seconds
    # service (runtime: not part of the cache key)
    comfyui: str = runtime_option("http://127.0.0.1:8188")
    timeout: float = runtime_option(1800.0)  # seconds one clip may take
    retries: int = runtime_option(5)
    free_between: bool = runtime_option(True)
