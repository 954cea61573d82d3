"""The seed's three generation tiers (Module 4, "Hardware Scaling") and their default graph settings.

Each tier names its precision, default clip size, whether it renders in two stages (LoRA + spatial
upscaler), the default model files per graph family and the VRAM-estimate calibration used by
:mod:`reelmind.videogen.vram`. Every value is only a default: :class:`~reelmind.videogen.options.VideoOptions`
overrides any of them.

Model families:

* ``ltxv`` — LTX-Video 0.9.x nodes present in ComfyUI v0.3.64 (T2V, I2V). Defaults follow the official
  templates (``ltxv_text_to_video`` / ``ltxv_image_to_video``: t5xxl_fp16, euler, 30 steps, CFG 3,
  LTXVConditioning 25 fps, CreateVideo 24 fps).
* ``ltx2`` — LTX-2.x audio-video nodes (A2V, I2V+A2V), following the ``video_ltx2_3_ia2v`` template:
  gemma-3 text encoder, distilled LoRA at 0.5, CFG 1, manual sigmas, 24 fps, spatial upscaler x2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reelmind.core.errors import ConfigError


@dataclass(frozen=True)
class VideoProfile:
    name: str
    vram_gb: float
    precision: str  # gguf-q3_k_m | fp8 | bf16
    width: int
    height: int
    frames: int
    two_stage: bool
    #: VRAM estimate peak = base_gb + coef_mb/1000 × (W/32 × H/32 × (F/8 + 1)) (decimal GB)
    base_gb: float
    coef_mb: float
    #: ComfyUI's --reserve-vram on this tier, and the share of the rest a clip may plan to use
    reserve_gb: float = 0.0
    headroom: float = 0.85
    comfy_flags: str = ""
    files: dict = field(default_factory=dict)  # family -> {role: file name}

    @property
    def usable_gb(self) -> float:
        return (self.vram_gb - self.reserve_gb) * self.headroom


#: The seed's worked examples of its VRAM estimate: (profile, W, H, F, stated peak GB, fits).
SEED_VRAM_EXAMPLES = (
    ("rtx5070ti-laptop-12gb", 512, 320, 49, 7.5, True),
    ("rtx5070ti-laptop-12gb", 640, 384, 49, 12.0, False),
    ("a40-48gb", 768, 512, 241, 25.0, True),
    ("h100-80gb", 960, 544, 481, 65.0, True),
)


def _cells(w: int, h: int, f: int) -> float:
    return (w / 32) * (h / 32) * (f / 8 + 1)


def _coef_for(peak_gb: float, base_gb: float, w: int, h: int, f: int) -> float:
    """The per-cell coefficient (MB) that makes the seed's formula give ``peak_gb`` for W×H×F."""
    return round((peak_gb - base_gb) * 1000 / _cells(w, h, f), 4)


_LTXV_NEG = ("low quality, worst quality, deformed, distorted, disfigured, motion smear, motion artifacts, "
             "fused fingers, bad anatomy, weird hand, ugly")
_LTX2_NEG = "pc game, console game, video game, cartoon, childish, ugly"

PROFILES: dict[str, VideoProfile] = {
    # 12 GB laptop: the seed's own constants (3 GB + 4 MB/cell reproduce its 7.5 GB example);
    # ComfyUI --lowvram --reserve-vram 1.5
    "rtx5070ti-laptop-12gb": VideoProfile(
        "rtx5070ti-laptop-12gb", 12, "gguf-q3_k_m", 512, 320, 49, False, 3.0, 4.0, reserve_gb=1.5,
        comfy_flags="--lowvram --reserve-vram 1.5",
        files={"ltxv": {"unet": "ltx-video-2b-v0.9.5-Q3_K_M.gguf", "vae": "ltx-video-2b-v0.9.5_vae.safetensors",
                        "clip": "t5xxl_fp16.safetensors"},
               "ltx2": {"unet": "ltx-2.3-22b-dev-Q3_K_M.gguf", "vae": "ltx-2.3-22b_video_vae.safetensors",
                        "audio_vae": "ltx-2.3-22b_audio_vae.safetensors",
                        "text_encoder": "gemma_3_12B_it_fp4_mixed.safetensors",
                        "text_ckpt": "ltx-2.3-22b-dev-fp8.safetensors",
                        "lora": "ltx_2.3_22b_distilled_1.1_lora_dynamic_fro09_avg_rank_111_bf16.safetensors"}}),
    # A40: FP8 weights; coefficient calibrated so 768×512×241 gives the seed's ~25 GB
    "a40-48gb": VideoProfile(
        "a40-48gb", 48, "fp8", 768, 512, 121, False, 3.0, _coef_for(25.0, 3.0, 768, 512, 241),
        files={"ltxv": {"ckpt": "ltxv-13b-0.9.8-dev-fp8.safetensors", "clip": "t5xxl_fp16.safetensors"},
               "ltx2": {"ckpt": "ltx-2.3-22b-dev-fp8.safetensors", "text_encoder": "gemma_3_12B_it_fp4_mixed.safetensors",
                        "lora": "ltx_2.3_22b_distilled_1.1_lora_dynamic_fro09_avg_rank_111_bf16.safetensors"}}),
    # H100: BF16, two stages (half size, then LoRA + upscaler); 960×544×481 gives the seed's ~65 GB
    "h100-80gb": VideoProfile(
        "h100-80gb", 80, "bf16", 960, 544, 121, True, 3.0, _coef_for(65.0, 3.0, 960, 544, 481),
        files={"ltxv": {"ckpt": "ltxv-13b-0.9.8-dev.safetensors", "clip": "t5xxl_fp16.safetensors",
                        "lora": "ltxv-13b-0.9.8-distilled-lora128.safetensors", "upscaler": "RealESRGAN_x2plus.pth"},
               "ltx2": {"ckpt": "ltx-2.3-22b-dev.safetensors", "text_encoder": "gemma_3_12B_it_fp4_mixed.safetensors",
                        "lora": "ltx_2.3_22b_distilled_1.1_lora_dynamic_fro09_avg_rank_111_bf16.safetensors",
                        "upscaler": "ltx-2.3-spatial-upscaler-x2-1.1.safetensors"}}),
}

ALIASES = {"12gb": "rtx5070ti-laptop-12gb", "48gb": "a40-48gb", "80gb": "h100-80gb",
           "rtx5070ti": "rtx5070ti-laptop-12gb", "a40": "a40-48gb", "h100": "h100-80gb"}

NEGATIVE = {"ltxv": _LTXV_NEG, "ltx2": _LTX2_NEG}


def get_profile(name: str) -> VideoProfile:
    key = ALIASES.get(name, name)
    if key not in PROFILES:
        raise ConfigError(f"unknown video profile {name!r}", f"use one of: {', '.join(PROFILES)} (or 12gb, 48gb, 80gb)")
    return PROFILES[key]
