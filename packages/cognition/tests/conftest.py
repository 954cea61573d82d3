"""Make the constructed-film helpers in this folder importable (pytest runs with --import-mode=importlib)."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


import pytest  # noqa: E402

#: The cognition stages in pipeline order.
COGNITION = ("moments", "memory", "social", "personality", "scores", "report")


def run_stages(ds, options: dict | None = None, names=COGNITION) -> dict:
    """Every cognition stage once over ``ds`` with ``Stage.run`` (options: stage name -> config dict)."""
    from reelmind.core.stage import discover_stages

    stages = discover_stages()
    arts = {"dataset": ds}
    for name in names:
        st = stages[name]
        arts.update(st.run({k: arts[k] for k in (*st.inputs, *st.optional_inputs) if k in arts},
                           st.make_options((options or {}).get(name, {}))))
    return arts


@pytest.fixture(scope="session")
def film_outputs():
    """The constructed film (cognition_film) through every cognition stage, default options."""
    from cognition_film import make_film

    return run_stages(make_film())
