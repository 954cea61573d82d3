"""The prompt engine on the constructed film: six dimensions, the zero-fabrication audit, screenplay
supplement, de-duplication, anchors, tiers, bad screenplays and determinism."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import promptgen_film as pf
from reelmind.core.records import PROMPT_DIMENSIONS
from reelmind.promptgen.anchors import load_knowledge_base
from reelmind.promptgen.audit import audit
from reelmind.promptgen.screenplay.readers import read_screenplay
from reelmind.promptgen.stage import STAGE
from reelmind.promptgen.vocab import load_vocabulary

GT = Path(__file__).parent / "data" / "groundtruth.fountain"
KB = "Ann:\n  description: a woman in her thirties with short dark hair and a green cardigan\nperson_2: a tall woman in a grey raincoat\n"


def inputs(film):
    out = {k: getattr(film, k) for k in ("dataset", "moments", "transitions", "scenes", "personality", "social", "faces")}
    if film.video is not None:
        out["video"] = film.video
    return out


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("kb") / "characters.yaml"
    p.write_text(KB, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def built(kb_file):
    film = pf.film()
    options = STAGE.make_options({"screenplay": str(GT), "knowledge_base": str(kb_file)})
    return film, options, STAGE.run(inputs(film), options)["prompts"]


def rows(table, tier):
    return [i for i in range(len(table)) if table.tier[i] == tier]


def test_keyframes_and_six_dimensions_filled(built):
    _, _, t = built
    full = rows(t, "full")
    assert len(full) == 6 and t.meta["keyframes"]["chapters"] == 2  # at most 3 per scene
    for i in full:
        for dim in PROMPT_DIMENSIONS:
            assert getattr(t, dim)[i], (i, dim)
        assert t.rules[i] and t.score[i] > 0
    # the SUDDEN, surprising, conflicted outburst is a keyframe, with its rules kept
    k = next(i for i in full if t.rows[i] == (6,))
    assert "SUDDEN transition +2.0" in t.rules[k] and any(r.startswith("LSTM surprise 0.78") for r in t.rules[k])
    assert "dutch angle" in t.camera[k] and "extreme close-up" in t.camera[k]


def test_every_phrase_is_traced_to_the_data(built, kb_file):
    film, options, t = built
    sp = read_screenplay(GT)
    assert audit(t, film, load_vocabulary("en"), options.dimensions, sp, load_knowledge_base(kb_file)) == []
    assert all(len(t.trace_phrase[i]) == len(t.trace_source[i]) == len(t.trace_rule[i]) for i in range(len(t)))


def test_the_audit_catches_fabrication(built, kb_file):
    film, options, t = built
    sp, kb, v = read_screenplay(GT), load_knowledge_base(kb_file), load_vocabulary("en")
    i = rows(t, "full")[0]

    def tamper(**cols):
        return dataclasses.replace(t.take([i]), **{k: [v] for k, v in cols.items()})

    extra = tamper(positive=t.positive[i] + " golden hour")
    assert "not the rendering of its traced phrases" in audit(extra, film, v, options.dimensions, sp, kb)[0]
    srcs = list(t.trace_source[i])
    j = next(n for n, s in enumerate(srcs) if "arousal=" in s)
    lied = tamper(trace_source=tuple(s.replace("arousal=", "arousal=9") if n == j else s for n, s in enumerate(srcs)))
    assert "holds" in audit(lied, film, v, options.dimensions, sp, kb)[0]
    phrases = list(t.trace_phrase[i])
    k = next(n for n, r in enumerate(t.trace_rule[i]) if r.startswith("vocab:camera"))
    phrases[k] = "helicopter shot"
    swapped = tamper(trace_phrase=tuple(phrases), positive=t.positive[i].replace(t.trace_phrase[i][k], "helicopter shot"))
    assert any("is not what the camera rule chooses" in p for p in audit(swapped, film, v, options.dimensions, sp, kb))
    m = next(n for n, r in enumerate(t.trace_rule[i]) if r == "screenplay:action")
    phrases = list(t.trace_phrase[i])
    phrases[m] = phrases[m].replace("storms in", "limps in")
    wrong = tamper(trace_phrase=tuple(phrases), positive=t.positive[i].replace("storms in", "limps in"))
    assert any("is not the text of screenplay" in p for p in audit(wrong, film, v, options.dimensions, sp, kb))


def test_screenplay_action_lines_in_the_full_tier_only_and_never_from_a_contradicted_line(built):
    _, _, t = built
    sp = read_screenplay(GT)
    used = 0
    for i in rows(t, "full"):
        if t.screenplay_scene[i] < 0:
            continue
        speech = next(s for s in sp.speeches if (s.scene, s.line) == (t.screenplay_scene[i], t.screenplay_line[i]))
        if speech.action is not None and speech.action != sp.establishing(speech.scene):
            assert speech.action.text in t.positive[i]
            used += 1
    assert used >= 3
    pipeline = " ".join(t.positive[i] for i in rows(t, "pipeline"))
    assert "storms in" not in pipeline and "whirls round" not in pipeline
    rejected = next(i for i in rows(t, "full") if t.rows[i] == (8,))  # DAN in the script, cleo in the film
    assert t.screenplay_scene[rejected] == -1 and "teacup" not in t.positive[rejected]
    assert t.meta["screenplay"]["matched"] == 10 and t.meta["screenplay"]["misattributed"][0]["row"] == 8


def test_screenplay_text_is_not_repeated_on_consecutive_keyframes(built):
    _, _, t = built
    full = rows(t, "full")
    for a, b in zip(full, full[1:]):
        same = {p for p, r in zip(t.trace_phrase[a], t.trace_rule[a]) if r.startswith("screenplay:")} & \
               {p for p, r in zip(t.trace_phrase[b], t.trace_rule[b]) if r.startswith("screenplay:")}
        assert not same
    assert t.meta["dedup"] and all(t.atmosphere[i] for i in full)  # atmosphere still from valence x arousal


def test_character_anchor_from_the_knowledge_base_and_ocean_reused_per_character(built):
    _, _, t = built
    by_char = {}
    for i in rows(t, "full"):
        by_char.setdefault(t.character[i], set()).add(t.anchor[i])
    assert all(len(a) == 1 for a in by_char.values())
    # 'Ann' is a screenplay name: the matches map it to the film's person_1
    assert next(iter(by_char["person_1"])).startswith("a woman in her thirties with short dark hair")
    ann = next(iter(by_char["person_1"]))
    assert ann.endswith("animated outgoing presence, tense volatile energy")  # E = 0.79, N = 0.72: the two most marked
    assert "curious expressive eyes" not in ann  # O = 0.69 is marked too, but less
    assert next(iter(by_char["person_2"])).startswith("a tall woman in a grey raincoat")


def test_tier_lengths_are_ordered(built):
    _, _, t = built
    ab = t.meta["ablation"]
    assert ab["full"]["mean_length"] > ab["pipeline"]["mean_length"] > ab["minimal"]["mean_length"] > 0
    minimal = [t.positive[i] for i in rows(t, "minimal")]
    assert minimal[0] == "angry expression."


@pytest.mark.parametrize("content,reason", [
    (b"", "is empty"), (bytes(range(256)) * 8, "not a text, PDF or image file"),
    ("INT. CUISINE - JOUR\n\nMARIE\nJe ne t'attendais plus.\n\nPAUL\nPardonne-moi.\n".encode(), "matched 0 of 11 lines"),
    (b"INT. HOUSE - DAY\n\nRain falls.\n", "has no dialogue"),
])
def test_a_bad_screenplay_gives_one_line_and_pipeline_only_prompts(tmp_path, content, reason):
    f = tmp_path / "script.fountain"
    f.write_bytes(content)
    film = pf.film()
    t = STAGE.run(inputs(film), STAGE.make_options({"screenplay": str(f)}))["prompts"]
    notes = [d for d in t.meta["degraded"] if "screenplay" in d]
    assert len(notes) == 1 and reason in notes[0] and notes[0].endswith("prompts are pipeline-only")
    assert "\n" not in notes[0]
    assert [t.positive[i] for i in rows(t, "full")] == [t.positive[i] for i in rows(t, "pipeline")]


def test_chinese_cues(built):
    film = pf.film()
    options = STAGE.make_options({"language": "zh"})
    t = STAGE.run(inputs(film), options)["prompts"]
    i = next(i for i in rows(t, "full") if t.rows[i] == (1,))
    assert t.expression[i] == "咬紧牙关，眉头紧锁，鼻翼张开" and "说：“I am furious" in t.positive[i]
    assert audit(t, film, load_vocabulary("zh"), options.dimensions) == []


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import promptgen_film as pf
from reelmind.promptgen.publish import jsonl, markdown
from reelmind.promptgen.stage import STAGE
f = pf.film()
t = STAGE.run({{k: getattr(f, k) for k in ("dataset", "moments", "transitions", "scenes", "personality", "social", "faces")}},
              STAGE.make_options({{"screenplay": {gt!r}}}))["prompts"]
sys.stdout.write(jsonl(t, "full") + markdown(t, "full"))
"""


def test_prompts_are_byte_identical_across_processes(built):
    code = SCRIPT.format(tests=str(Path(__file__).parent), gt=str(GT))
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1] and len(outs[0]) > 1000
    from reelmind.promptgen.publish import jsonl, markdown

    f = pf.film()
    t = STAGE.run(inputs(f), STAGE.make_options({"screenplay": str(GT)}))["prompts"]
    assert (jsonl(t, "full") + markdown(t, "full")).encode() == outs[0]


def test_surprise_can_be_read_as_its_film_percentile():
    film = pf.film()
    m = film.moments
    rank = np.where(np.arange(len(m)) == 2, 0.95, 0.1)  # row 2 (a calm line) is the film's most surprising
    film.moments = m.with_columns(surprise=np.full(len(m), np.nan), surprise_rank=rank)
    options = STAGE.make_options({"surprise": "surprise_rank"})
    t = STAGE.run(inputs(film), options)["prompts"]
    k = next(i for i in rows(t, "full") if t.rows[i] == (2,))
    assert any(r.startswith("LSTM surprise 0.95") for r in t.rules[k]) and "dutch angle" in t.camera[k]
    assert audit(t, film, load_vocabulary("en"), options.dimensions) == []
