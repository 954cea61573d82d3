"""Config: YAML in, options dataclasses out, errors that name the option."""

from dataclasses import dataclass, field

import pytest

from reelmind.core import ConfigError
from reelmind.core.config import RunConfig, options_from_dict
from reelmind.core.stage import options_dict


@dataclass
class Opts:
    step: float = 0.25
    threshold: float = 0.9
    backend: str = "mtcnn"
    batch: int | None = None
    names: list[str] = field(default_factory=list)
    enabled: bool = True


def test_yaml_to_options(tmp_path):
    p = tmp_path / "run.yaml"
    p.write_text("profile: cpu-2core\nstages:\n  faces: {step: 0.5, batch: 4, names: [a, b]}\nskip: [report]\n")
    cfg = RunConfig.from_yaml(p)
    assert cfg.profile == "cpu-2core" and cfg.skip == ["report"]
    opts = options_from_dict(Opts, cfg.stages["faces"], where="stages.faces")
    assert opts == Opts(step=0.5, batch=4, names=["a", "b"])
    assert options_dict(opts)["step"] == 0.5


@pytest.mark.parametrize("values, message", [
    ({"stepp": 1}, "unknown option(s) stepp"),
    ({"step": "fast"}, "stages.faces.step: expected float"),
    ({"batch": 2.5}, "stages.faces.batch: expected"),
    ({"enabled": "yes"}, "expected true/false"),
])
def test_bad_options_are_named(values, message):
    with pytest.raises(ConfigError) as err:
        options_from_dict(Opts, values, where="stages.faces")
    assert message in str(err.value)


def test_malformed_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("stages: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        RunConfig.from_yaml(p)
    p.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        RunConfig.from_yaml(p)
    with pytest.raises(ConfigError, match="does not exist"):
        RunConfig.from_yaml(tmp_path / "none.yaml")
