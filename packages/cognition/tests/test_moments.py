"""The ``moments`` stage on a constructed film with known structure; LSTM weights as safetensors."""

import numpy as np
import pytest
from cognition_film import make_film

from reelmind.core import DatasetTable, RecordError
from reelmind.core.records import ArcTable, MomentTable, MoodTable, TransitionTable, TrendTable
from reelmind.cognition.moments import STAGE
from reelmind.cognition.tables import arcs_from, transitions_from, trends_from


def test_outputs_are_the_declared_records(film_outputs):
    kinds = {"moments": MomentTable, "transitions": TransitionTable, "arcs": ArcTable, "moods": MoodTable, "trends": TrendTable}
    assert STAGE.outputs == tuple(kinds)
    for name, kind in kinds.items():
        t = film_outputs[name]
        assert isinstance(t, kind) and t.meta["stage"] == "moments" and "options" in t.meta
        back = kind.from_arrow(t.to_arrow())  # Arrow/Parquet round trip, NaN included
        for col, values in t.columns().items():
            np.testing.assert_array_equal(back.columns()[col], values, err_msg=f"{name}.{col}")
        assert back.meta == t.meta


def test_moments_find_the_constructed_structure(film_outputs):
    ds = make_film()
    mo = film_outputs["moments"]
    assert len(mo) == len(ds) and sorted(mo.row) == list(range(len(ds)))
    np.testing.assert_allclose(mo.w_text + mo.w_face + mo.w_voice, 1.0, atol=1e-6)
    assert mo.meta["channel_weights"]["fer_tier"] in ("reliable", "partial")
    arcs = {a.character: a.arc_class for a in arcs_from(film_outputs["arcs"])}
    assert arcs == {"Ada": "FALLING", "Ben": "RISING", "Cleo": "FLAT"}
    tr = transitions_from(film_outputs["transitions"])
    assert len(tr) == len(ds) - 3  # one per step of each character
    rows = film_outputs["transitions"].row
    assert all(ds.character[r] == t.character for r, t in zip(rows, tr))  # each transition points at its dataset row
    scene2 = [t for t in tr if t.character == "Ada" and t.type == "SUDDEN" and t.scene == 2]
    assert len(scene2) >= 5  # the constructed untriggered swings
    assert not [t for t in tr if t.character == "Cleo" and t.type in ("SUDDEN", "TRIGGERED")]
    assert all(np.isfinite(t.surprise) for t in tr)
    trends = trends_from(film_outputs["trends"])
    assert [p for p in trends if p.character == "Ada" and p.trend == "VOLATILE"]
    assert all(p.window == 5 or p.index < 5 for p in trends)
    moods = film_outputs["moods"]
    assert len(moods) == len(ds) and np.all(np.isfinite(moods.perceived_valence))
    # OCEAN neuroticism inferred from the first pass: the volatile character gets the lowest stability baseline
    n = mo.meta["neuroticism"]
    assert n["Ada"] > n["Ben"] and n["Ada"] > n["Cleo"]
    assert mo.meta["lstm"]["source"] == "trained on this film" and len(mo.meta["lstm"]["weights_sha256"]) == 64


def test_loaded_lstm_weights_reproduce_the_trained_surprise(film_outputs, tmp_path):
    (path,) = STAGE.publish(film_outputs, STAGE.make_options({}), tmp_path)
    assert path.name == "lstm.safetensors" and path.read_bytes()[:8] != b"PK\x03\x04"  # safetensors, not a torch zip/pickle
    opts = STAGE.make_options({"lstm": {"weights": str(path)}, "neuroticism": {"Cleo": 1.0}})
    assert STAGE.models(opts)[0].name == "lstm_weights"
    out = STAGE.run({"dataset": make_film()}, opts)
    a, b = transitions_from(film_outputs["transitions"]), transitions_from(out["transitions"])
    assert [t.surprise for t in a] == [t.surprise for t in b]
    assert out["moments"].meta["neuroticism"]["Cleo"] == 1.0  # an explicit N overrides the inferred one
    cleo = lambda x: [t.stability for t in x if t.character == "Cleo"]  # noqa: E731
    assert max(cleo(b)) <= 0.5 < max(cleo(a))
    assert out["moments"].meta["lstm"]["source"] == "loaded"


def test_lstm_off_and_tiny_inputs():
    opts = STAGE.make_options({"lstm": {"enabled": False}})
    for rows in (0, 1, 2):
        ds = make_film(n_scenes=1, lines_per_scene=3).take(np.arange(rows)) if rows else DatasetTable()
        out = STAGE.run({"dataset": ds}, opts)
        assert len(out["moments"]) == rows and len(out["arcs"]) == min(rows, 2)
        assert len(out["transitions"]) == 0 and np.all(np.isnan(out["moments"].surprise))


def test_bad_input_is_a_record_error():
    with pytest.raises(RecordError, match="moments inputs.dataset"):
        STAGE.run({"dataset": "dataset.csv"})


def test_surprise_is_byte_identical():
    """Training is repeatable at one CPU thread, and equal to a run under torch's deterministic mode
    (which the trainer no longer switches on: the CPU kernels it uses are deterministic)."""
    import torch

    from reelmind.cognition.surprise_lstm import LSTMOptions, surprise, train

    rng = np.random.default_rng(3)
    seqs = [np.cumsum(rng.normal(0, 0.2, (n, 2)), axis=0) for n in (40, 75, 12)]
    opts = LSTMOptions(epochs=15)

    def weights_and_surprise():
        model, loss = train(seqs, opts)
        return [p.detach().numpy().tobytes() for p in model.parameters()], surprise(model, seqs[1]).tobytes(), loss

    first = weights_and_surprise()
    assert weights_and_surprise() == first
    torch.use_deterministic_algorithms(True)
    try:
        assert weights_and_surprise() == first
    finally:
        torch.use_deterministic_algorithms(False)


def test_adam_step_equals_torch_optim_adam():
    """The trainer's own Adam step gives bit for bit the weights torch.optim.Adam gives on the same
    model, data and seed (the trainer avoids constructing it: that imports TorchDynamo)."""
    import torch

    from reelmind.cognition.surprise_lstm import LSTMOptions, _chunks, adam, build_model, deterministic_torch

    rng = np.random.default_rng(5)
    data, mask = _chunks([np.cumsum(rng.normal(0, 0.3, (n, 2)), axis=0) for n in (50, 33)], 16)

    def trained(make_step):
        with deterministic_torch(0):
            model = build_model(LSTMOptions(hidden=8))
            step = make_step(list(model.parameters()))
            x, y = torch.from_numpy(data[:, :-1]), torch.from_numpy(data[:, 1:])
            for _ in range(12):
                for p in model.parameters():
                    p.grad = None
                (((model(x) - y) ** 2).mean()).backward()
                step()
        return [p.detach().numpy().tobytes() for p in model.parameters()]

    ours = trained(lambda params: adam(params, lr=0.01))
    theirs = trained(lambda params: torch.optim.Adam(params, lr=0.01).step)
    assert ours == theirs
    assert ours != trained(lambda params: adam(params, lr=0.02))  # the comparison can fail
