"""Graphs validate against the server's own /object_info the way ComfyUI does."""
import json

import pytest
from vg_fixtures import DATA, capture

from reelmind.videogen.graphs import ClipSpec, build_graph, graph_hash
from reelmind.videogen.options import MODES, VideoOptions
from reelmind.videogen.profiles import PROFILES
from reelmind.videogen.validate import (GraphValidationError, bundled_object_info, check_graph, comfy_response,
                                        ltx2_sources, validate_graph)

CAPTURE = json.loads((DATA.parents[2] / "src/reelmind/videogen/data/object_info.v0.3.64+gguf.json").read_text())
STOCK_FILES = {"ckpt": "ltx-video-2b-v0.9.5.safetensors", "unet": "ltx-video-2b-v0.9.5-Q4_K_M.gguf",
               "vae": "ltxv_vae_dummy.safetensors", "clip": "t5xxl_fp16.safetensors"}


def spec(p, **kw):
    return ClipSpec("a woman smiles", 42, p.width, p.height, p.frames, image="probe.png", audio="a.wav", **kw)


@pytest.mark.parametrize("name", ["ltxv_t2v_api", "ltxv_i2v_api", "ltxv_t2v_gguf_api"])
def test_template_graphs_pass(name):
    graph = json.loads((DATA / "graphs" / f"{name}.json").read_text())
    assert validate_graph(graph, CAPTURE) == ([], [])


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("mode", ["t2v", "i2v"])
def test_t2v_i2v_graphs_pass_the_captured_object_info(profile, mode):
    p = PROFILES[profile]
    # with the capture server's own (placeholder) model files: every check, files included
    opts = VideoOptions(**STOCK_FILES, lora=None)
    g = build_graph(spec(p), mode, p, opts)
    errors, warnings = validate_graph(g, CAPTURE, files="warn")
    assert errors == []
    # only the files the capture machine does not have (LoRA/upscaler on 80 GB) are warnings
    assert {(w.class_type, w.input) for w in warnings} <= {("LoraLoaderModelOnly", "lora_name"),
                                                             ("UpscaleModelLoader", "model_name")}
    # with the tier's default files: nothing but model-file warnings
    errors, warnings = validate_graph(build_graph(spec(p), mode, p, VideoOptions()), CAPTURE, files="warn")
    assert errors == [] and all(w.type == "value_not_in_list" for w in warnings)


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("mode", ["a2v", "i2v+a2v"])
def test_a2v_graphs_pass_the_ltx2_node_definitions(profile, mode):
    p = PROFILES[profile]
    g = build_graph(spec(p), mode, p, VideoOptions())
    errors, _ = validate_graph(g, bundled_object_info(), files="warn")
    assert errors == []
    assert {"LTXVAudioVAELoader", "LTXVAudioVAEEncode", "LTXVAudioVAEDecode", "LTXAVTextEncoderLoader",
            "LTXVConcatAVLatent", "LTXVSeparateAVLatent"} <= {n["class_type"] for n in g.values()}
    # v0.3.64 alone has no LTX-2 audio nodes: refused like ComfyUI refuses an unknown node
    errors, _ = validate_graph(g, CAPTURE)
    assert errors[0].type == "invalid_prompt" and "does not exist" in errors[0].message
    assert "nodes_lt_audio.py" in json.dumps(ltx2_sources())


def test_every_mode_and_tier_has_its_structure():
    for name, p in PROFILES.items():
        for mode in MODES:
            g = build_graph(spec(p), mode, p, VideoOptions())
            classes = [n["class_type"] for n in g.values()]
            assert ("UnetLoaderGGUF" in classes) == p.precision.startswith("gguf")
            assert (classes.count("LoraLoaderModelOnly") > 0) == (p.two_stage or "a2v" in mode)
            assert ("LoadImage" in classes) == ("i2v" in mode)
            assert ("LoadAudio" in classes) == ("a2v" in mode)
            if p.two_stage:
                assert classes.count("SamplerCustom") + classes.count("SamplerCustomAdvanced") == 2
    g = build_graph(spec(PROFILES["a40-48gb"]), "i2v", PROFILES["a40-48gb"], VideoOptions(strength=0.7, steps=12, cfg=4.5,
                                                                                           sampler="dpmpp_2m", fps=25))
    assert g["i2v"]["inputs"]["strength"] == 0.7 and g["sched"]["inputs"]["steps"] == 12
    assert g["sample"]["inputs"]["cfg"] == 4.5 and g["sampler"]["inputs"]["sampler_name"] == "dpmpp_2m"
    assert g["video"]["inputs"]["fps"] == 25
    # the hash is the graph's content, titles aside
    g2 = json.loads(json.dumps(g))
    g2["save"]["_meta"]["title"] = "x"
    assert graph_hash(g) == graph_hash(g2)
    g2["sample"]["inputs"]["noise_seed"] = 43
    assert graph_hash(g) != graph_hash(g2)


def _one(graph, **kw):
    errors, _ = validate_graph(graph, CAPTURE, **kw)
    assert errors, "expected a refusal"
    return errors[0]


def test_errors_name_node_input_expected_and_got():
    p = PROFILES["a40-48gb"]
    base = build_graph(spec(p), "t2v", p, VideoOptions(**STOCK_FILES))
    g = json.loads(json.dumps(base))
    g["sample"]["inputs"]["sigmas"] = ["latent", 0]  # LATENT into SIGMAS
    e = _one(g)
    assert (e.type, e.node, e.class_type, e.input) == ("return_type_mismatch", "sample", "SamplerCustom", "sigmas")
    assert e.expected == "SIGMAS" and "LATENT" in e.got
    assert "node sample (SamplerCustom) input sigmas" in e.line()
    g = json.loads(json.dumps(base))
    g["sampler"]["inputs"]["sampler_name"] = "nope"
    e = _one(g)
    assert (e.type, e.input, e.got) == ("value_not_in_list", "sampler_name", "'nope'") and "euler" in e.expected
    g = json.loads(json.dumps(base))
    del g["latent"]["inputs"]["width"]
    e = _one(g)
    assert (e.type, e.node, e.input) == ("required_input_missing", "latent", "width")
    g = json.loads(json.dumps(base))
    g["sample"]["inputs"]["cfg"] = 101
    e = _one(g)
    assert e.type == "value_bigger_than_max" and e.expected == "<= 100.0" and e.got == "101.0"
    g = json.loads(json.dumps(base))
    g["latent"]["inputs"]["length"] = 50  # not 8k+1
    e = _one(g)
    assert e.type == "value_not_on_step" and "49" in e.expected and "57" in e.expected
    assert validate_graph(g, CAPTURE, strict=False)[0] == []  # ComfyUI's server itself lets it through
    g = json.loads(json.dumps(base))
    g["latent"]["inputs"]["width"] = "wide"
    assert _one(g).type == "invalid_input_type"
    g = json.loads(json.dumps(base))
    g["sample"]["inputs"]["model"] = ["ckpt", 7]
    assert _one(g).type == "bad_linked_input"
    g = json.loads(json.dumps(base))
    g["x"] = {"class_type": "NoSuchNode", "inputs": {}}
    e = _one(g)
    assert e.type == "invalid_prompt" and e.got == "NoSuchNode"
    with pytest.raises(GraphValidationError, match="node sample .SamplerCustom. input cfg"):
        bad = json.loads(json.dumps(base))
        bad["sample"]["inputs"]["cfg"] = -1
        check_graph(bad, CAPTURE)


def test_model_files_are_errors_against_a_live_server_and_warnings_against_the_capture():
    p = PROFILES["a40-48gb"]
    g = build_graph(spec(p), "t2v", p, VideoOptions())
    errors, _ = validate_graph(g, CAPTURE, files="error")
    assert [(e.node, e.input, e.type) for e in errors] == [("ckpt", "ckpt_name", "value_not_in_list")]
    assert check_graph(g, CAPTURE, files="warn")[0].input == "ckpt_name"


@pytest.mark.parametrize("name", ["04_validation_error", "04b_unknown_node", "04c_no_output"])
def test_refusals_match_the_real_servers_bodies(name):
    stock = json.loads((DATA.parents[2] / "src/reelmind/videogen/data/object_info.v0.3.64+gguf.json").read_text())
    cap = capture(f"{name}.post_prompt.json")
    if name == "04_validation_error":  # captured on stock v0.3.64 with no checkpoint installed
        stock["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = []
    if name == "04b_unknown_node":
        stock.pop("UnetLoaderGGUF")
    assert comfy_response(cap["request_body"]["prompt"], stock) == (cap["http_status"], cap["response"])
