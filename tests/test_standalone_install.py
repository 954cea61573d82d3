"""Each distribution installs alone in a fresh venv and imports (native built from source).

perceive and cognition install their base alone here; their model stacks are extras
(perceive[vision], perceive[audio], cognition[memory,lstm]) installed by tools/setup.sh.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_installs_alone():
    res = subprocess.run(["bash", str(ROOT / "tools" / "check_standalone.sh"), "core", "native", "fuse", "reelmind", "perceive", "cognition", "eval", "videogen", "microexpr", "promptgen"],
                         capture_output=True, text=True, timeout=1200, env={**os.environ, "PYTHON": _base_python()})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ok: reelmind-core alone -> ['reelmind-core']" in res.stdout
    assert "ok: reelmind-fuse alone -> ['reelmind-core', 'reelmind-fuse', 'reelmind-native']" in res.stdout
    assert "ok: reelmind alone -> ['reelmind', 'reelmind-core']" in res.stdout
    assert "ok: reelmind-perceive alone -> ['reelmind-core', 'reelmind-perceive']" in res.stdout
    assert "ok: reelmind-cognition alone -> ['reelmind-cognition', 'reelmind-core']" in res.stdout
    assert "ok: reelmind-eval alone -> ['reelmind-core', 'reelmind-eval']" in res.stdout
    assert "ok: reelmind-microexpr alone -> ['reelmind-core', 'reelmind-microexpr']" in res.stdout
    assert "ok: reelmind-videogen alone -> ['reelmind-core', 'reelmind-videogen']" in res.stdout
    assert "ok: reelmind-promptgen alone -> ['reelmind-core', 'reelmind-promptgen']" in res.stdout


def _base_python() -> str:
    """The interpreter the venv was made from (a fresh venv must not inherit our site-packages)."""
    return getattr(sys, "_base_executable", sys.executable)
