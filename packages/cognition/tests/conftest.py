"""Make the constructed-film helpers in this folder importable (pytest runs with --import-mode=importlib)."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


import pytest  # noqa: E402

from cognition_stages import COGNITION, run_stages  # noqa: E402,F401


@pytest.fixture(scope="session")
def film_outputs():
    """The constructed film (cognition_film) through every cognition stage, default options."""
    from cognition_film import make_film

    return run_stages(make_film())
