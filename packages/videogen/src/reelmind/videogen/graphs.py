"""LTX-Video graphs in ComfyUI's API format, per mode and tier.

* T2V / I2V use the LTX-Video 0.9.x nodes of ComfyUI v0.3.64 (the official ``ltxv_text_to_video`` /
  ``ltxv_image_to_video`` chain: CLIPLoader(ltxv) → CLIPTextEncode → [LTXVImgToVideo] → LTXVConditioning →
  LTXVScheduler + KSamplerSelect → SamplerCustom → VAEDecode → CreateVideo → SaveVideo). The 12 GB tier
  loads a GGUF model through ComfyUI-GGUF's UnetLoaderGGUF and a separate VAELoader; the 80 GB tier renders
  at half size, upscales the frames with an upscale model, re-encodes and refines with a LoRA'd model.
* A2V / I2V+A2V use the LTX-2.x audio-video nodes (``video_ltx2_3_ia2v`` template): the utterance audio is
  encoded by the audio VAE, masked so the sampler keeps it (it drives lip sync and expression), joined with
  the video latent, sampled with manual sigmas and a CFG guider, split, decoded and muxed. The 80 GB tier
  adds the template's second stage (latent upsampler ×2 + crop guides + refine pass).

Node ids are short names (``sample``, ``save``) so validation messages say which part is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from reelmind.core.errors import ConfigError

from .options import MODES, VideoOptions
from .profiles import NEGATIVE, VideoProfile
from .vram import snap32


@dataclass
class ClipSpec:
    """What one clip shows: prompt, seed, size, uploaded reference image / audio and the output prefix."""

    positive: str
    seed: int
    width: int
    height: int
    frames: int
    prefix: str = "reelmind/clip"
    negative: str | None = None
    image: str | None = None  # file name in ComfyUI's input folder (uploaded)
    audio: str | None = None  # idem
    audio_start: float = 0.0  # seconds into the uploaded audio


def family(mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}", f"use one of: {', '.join(MODES)}")
    return "ltx2" if "a2v" in mode else "ltxv"


def graph_hash(graph: dict) -> str:
    """sha256 of the graph's canonical JSON (``_meta`` titles left out): the job key."""
    core = {k: {"class_type": v["class_type"], "inputs": v.get("inputs", {})} for k, v in graph.items()}
    return hashlib.sha256(json.dumps(core, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _file(options: VideoOptions, profile: VideoProfile, fam: str, role: str) -> str:
    value = getattr(options, role, None)
    if value:
        return value
    try:
        return profile.files[fam][role]
    except KeyError:
        raise ConfigError(f"profile {profile.name} has no default {role} file for {fam} graphs",
                          f"set the videogen option {role}") from None


def build_graph(spec: ClipSpec, mode: str, profile: VideoProfile, options: VideoOptions) -> dict:
    """The API-format graph (``{node_id: {class_type, inputs, _meta}}``) of one clip."""
    fam = family(mode)
    if "i2v" in mode and not spec.image:
        raise ConfigError(f"mode {mode} needs a reference image", "give the prompt frame a ref_png / ref_image (I2V)")
    if "a2v" in mode and not spec.audio:
        raise ConfigError(f"mode {mode} needs the utterance audio", "give the prompt frame an audio span and the film")
    g = _ltxv(spec, mode, profile, options) if fam == "ltxv" else _ltx2(spec, mode, profile, options)
    return {k: {"class_type": c, "inputs": i, "_meta": {"title": k}} for k, (c, i) in g.items()}


def _stage1_size(spec: ClipSpec, profile: VideoProfile) -> tuple[int, int]:
    if profile.two_stage:
        return snap32(spec.width / 2), snap32(spec.height / 2)
    return spec.width, spec.height


def _ltxv(spec: ClipSpec, mode: str, profile: VideoProfile, o: VideoOptions) -> dict:
    g: dict = {}
    if profile.precision.startswith("gguf"):
        g["unet"] = ("UnetLoaderGGUF", {"unet_name": _file(o, profile, "ltxv", "unet")})
        g["vae"] = ("VAELoader", {"vae_name": _file(o, profile, "ltxv", "vae")})
        model, vae = ["unet", 0], ["vae", 0]
    else:
        g["ckpt"] = ("CheckpointLoaderSimple", {"ckpt_name": _file(o, profile, "ltxv", "ckpt")})
        model, vae = ["ckpt", 0], ["ckpt", 2]
    g["clip"] = ("CLIPLoader", {"clip_name": _file(o, profile, "ltxv", "clip"), "type": "ltxv", "device": "default"})
    g["pos"] = ("CLIPTextEncode", {"text": spec.positive, "clip": ["clip", 0]})
    g["neg"] = ("CLIPTextEncode", {"text": spec.negative or o.negative or NEGATIVE["ltxv"], "clip": ["clip", 0]})
    w1, h1 = _stage1_size(spec, profile)
    if "i2v" in mode:
        g["image"] = ("LoadImage", {"image": spec.image})
        g["prep"] = ("LTXVPreprocess", {"image": ["image", 0], "img_compression": o.img_compression})
        g["i2v"] = ("LTXVImgToVideo", {"positive": ["pos", 0], "negative": ["neg", 0], "vae": vae, "image": ["prep", 0],
                                       "width": w1, "height": h1, "length": spec.frames, "batch_size": 1,
                                       "strength": o.strength})
        pos, neg, latent = ["i2v", 0], ["i2v", 1], ["i2v", 2]
    else:
        g["latent"] = ("EmptyLTXVLatentVideo", {"width": w1, "height": h1, "length": spec.frames, "batch_size": 1})
        pos, neg, latent = ["pos", 0], ["neg", 0], ["latent", 0]
    fps = o.fps or 24.0
    cfg = 3.0 if o.cfg is None else o.cfg
    g["cond"] = ("LTXVConditioning", {"positive": pos, "negative": neg, "frame_rate": o.frame_rate or 25.0})
    sched = {"steps": o.steps, "max_shift": o.max_shift, "base_shift": o.base_shift, "stretch": True,
             "terminal": o.terminal}
    g["sched"] = ("LTXVScheduler", {**sched, "latent": latent})
    g["sampler"] = ("KSamplerSelect", {"sampler_name": o.sampler})
    g["sample"] = ("SamplerCustom", {"model": model, "add_noise": True, "noise_seed": spec.seed, "cfg": cfg,
                                     "positive": ["cond", 0], "negative": ["cond", 1], "sampler": ["sampler", 0],
                                     "sigmas": ["sched", 0], "latent_image": latent})
    g["decode"] = ("VAEDecode", {"samples": ["sample", 0], "vae": vae})
    frames = ["decode", 0]
    if profile.two_stage:
        g["upmodel"] = ("UpscaleModelLoader", {"model_name": _file(o, profile, "ltxv", "upscaler")})
        g["upscale"] = ("ImageUpscaleWithModel", {"upscale_model": ["upmodel", 0], "image": ["decode", 0]})
        g["resize"] = ("ImageScale", {"image": ["upscale", 0], "upscale_method": "lanczos", "width": spec.width,
                                      "height": spec.height, "crop": "center"})
        g["encode2"] = ("VAEEncode", {"pixels": ["resize", 0], "vae": vae})
        g["lora"] = ("LoraLoaderModelOnly", {"model": model, "lora_name": _file(o, profile, "ltxv", "lora"),
                                             "strength_model": o.lora_strength})
        g["sched2"] = ("LTXVScheduler", {**sched, "latent": ["encode2", 0]})
        g["split2"] = ("SplitSigmas", {"sigmas": ["sched2", 0], "step": min(o.stage2_denoise_step, o.steps - 1)})
        g["sample2"] = ("SamplerCustom", {"model": ["lora", 0], "add_noise": True, "noise_seed": spec.seed, "cfg": cfg,
                                          "positive": ["cond", 0], "negative": ["cond", 1], "sampler": ["sampler", 0],
                                          "sigmas": ["split2", 1], "latent_image": ["encode2", 0]})
        g["decode2"] = ("VAEDecode", {"samples": ["sample2", 0], "vae": vae})
        frames = ["decode2", 0]
    g["video"] = ("CreateVideo", {"images": frames, "fps": fps})
    g["save"] = ("SaveVideo", {"video": ["video", 0], "filename_prefix": spec.prefix, "format": o.output_format,
                               "codec": o.codec})
    return g


def _ltx2(spec: ClipSpec, mode: str, profile: VideoProfile, o: VideoOptions) -> dict:
    g: dict = {}
    if profile.precision.startswith("gguf"):
        g["unet"] = ("UnetLoaderGGUF", {"unet_name": _file(o, profile, "ltx2", "unet")})
        g["vae"] = ("VAELoader", {"vae_name": _file(o, profile, "ltx2", "vae")})
        g["avae"] = ("LTXVAudioVAELoader", {"ckpt_name": _file(o, profile, "ltx2", "audio_vae")})
        model, vae = ["unet", 0], ["vae", 0]
        text_ckpt = _file(o, profile, "ltx2", "text_ckpt")
    else:
        ckpt = _file(o, profile, "ltx2", "ckpt")
        g["ckpt"] = ("CheckpointLoaderSimple", {"ckpt_name": ckpt})
        g["avae"] = ("LTXVAudioVAELoader", {"ckpt_name": o.audio_vae or ckpt})
        model, vae = ["ckpt", 0], ["ckpt", 2]
        text_ckpt = o.text_ckpt or ckpt
    g["lora"] = ("LoraLoaderModelOnly", {"model": model, "lora_name": _file(o, profile, "ltx2", "lora"),
                                         "strength_model": o.lora_strength})
    g["text"] = ("LTXAVTextEncoderLoader", {"text_encoder": _file(o, profile, "ltx2", "text_encoder"),
                                            "ckpt_name": text_ckpt, "device": "default"})
    g["pos"] = ("CLIPTextEncode", {"text": spec.positive, "clip": ["text", 0]})
    g["neg"] = ("CLIPTextEncode", {"text": spec.negative or o.negative or NEGATIVE["ltx2"], "clip": ["text", 0]})
    fps = o.fps or 24.0
    cfg = 1.0 if o.cfg is None else o.cfg
    g["cond"] = ("LTXVConditioning", {"positive": ["pos", 0], "negative": ["neg", 0], "frame_rate": o.frame_rate or fps})
    w1, h1 = _stage1_size(spec, profile)
    g["latent"] = ("EmptyLTXVLatentVideo", {"width": w1, "height": h1, "length": spec.frames, "batch_size": 1})
    video = ["latent", 0]
    if "i2v" in mode:
        g["image"] = ("LoadImage", {"image": spec.image})
        g["prep"] = ("LTXVPreprocess", {"image": ["image", 0], "img_compression": o.img_compression})
        g["i2v"] = ("LTXVImgToVideoInplace", {"vae": vae, "image": ["prep", 0], "latent": video, "strength": o.strength,
                                              "bypass": False})
        video = ["i2v", 0]
    g["audio"] = ("LoadAudio", {"audio": spec.audio})
    g["trim"] = ("TrimAudioDuration", {"audio": ["audio", 0], "start_index": round(spec.audio_start, 3),
                                       "duration": round(spec.frames / fps, 3)})
    g["aenc"] = ("LTXVAudioVAEEncode", {"audio": ["trim", 0], "audio_vae": ["avae", 0]})
    # a zero noise mask keeps the encoded speech fixed: the audio drives, the video follows
    g["amask"] = ("SolidMask", {"value": 0.0, "width": w1, "height": h1})
    g["alatent"] = ("SetLatentNoiseMask", {"samples": ["aenc", 0], "mask": ["amask", 0]})
    g["av"] = ("LTXVConcatAVLatent", {"video_latent": video, "audio_latent": ["alatent", 0]})
    g["noise"] = ("RandomNoise", {"noise_seed": spec.seed})
    g["guider"] = ("CFGGuider", {"model": ["lora", 0], "positive": ["cond", 0], "negative": ["cond", 1], "cfg": cfg})
    g["sampler"] = ("KSamplerSelect", {"sampler_name": o.sampler})
    g["sigmas"] = ("ManualSigmas", {"sigmas": o.sigmas_stage1})
    g["sample"] = ("SamplerCustomAdvanced", {"noise": ["noise", 0], "guider": ["guider", 0], "sampler": ["sampler", 0],
                                             "sigmas": ["sigmas", 0], "latent_image": ["av", 0]})
    g["sep"] = ("LTXVSeparateAVLatent", {"av_latent": ["sample", 0]})
    out_video, out_audio = ["sep", 0], ["sep", 1]
    if profile.two_stage:
        g["crop"] = ("LTXVCropGuides", {"positive": ["cond", 0], "negative": ["cond", 1], "latent": ["sep", 0]})
        g["upmodel"] = ("LatentUpscaleModelLoader", {"model_name": _file(o, profile, "ltx2", "upscaler")})
        g["upsample"] = ("LTXVLatentUpsampler", {"samples": ["sep", 0], "upscale_model": ["upmodel", 0], "vae": vae})
        video2 = ["upsample", 0]
        if "i2v" in mode:
            g["i2v2"] = ("LTXVImgToVideoInplace", {"vae": vae, "image": ["prep", 0], "latent": video2, "strength": 1.0,
                                                   "bypass": False})
            video2 = ["i2v2", 0]
        g["av2"] = ("LTXVConcatAVLatent", {"video_latent": video2, "audio_latent": ["sep", 1]})
        g["guider2"] = ("CFGGuider", {"model": ["lora", 0], "positive": ["crop", 0], "negative": ["crop", 1], "cfg": cfg})
        g["sigmas2"] = ("ManualSigmas", {"sigmas": o.sigmas_stage2})
        g["sample2"] = ("SamplerCustomAdvanced", {"noise": ["noise", 0], "guider": ["guider2", 0],
                                                  "sampler": ["sampler", 0], "sigmas": ["sigmas2", 0],
                                                  "latent_image": ["av2", 0]})
        g["sep2"] = ("LTXVSeparateAVLatent", {"av_latent": ["sample2", 0]})
        out_video, out_audio = ["sep2", 0], ["sep2", 1]
    g["decode"] = ("VAEDecodeTiled", {"samples": out_video, "vae": vae, "tile_size": 768, "overlap": 64,
                                      "temporal_size": 4096, "temporal_overlap": 4})
    g["adecode"] = ("LTXVAudioVAEDecode", {"samples": out_audio, "audio_vae": ["avae", 0]})
    g["video"] = ("CreateVideo", {"images": ["decode", 0], "fps": fps, "audio": ["adecode", 0]})
    g["save"] = ("SaveVideo", {"video": ["video", 0], "filename_prefix": spec.prefix, "format": o.output_format,
                               "codec": o.codec})
    return g
