"""reelmind.promptgen: the prompt engine — keyframes of a film's analysis turned into 6-dimension
video prompts whose every phrase is traced to pipeline data, a screenplay or the user's knowledge
base (zero fabrication), with character anchors, ablation tiers and I2V / A2V generation hints.

Library use::

    from reelmind.promptgen import STAGE
    out = STAGE.run({"dataset": ds, "moments": m, ...}, STAGE.make_options({"screenplay": "film.fountain"}))
"""

from .engine import FilmInputs, build_prompts
from .options import PromptOptions

__all__ = ["FilmInputs", "PromptOptions", "build_prompts", "STAGE"]


def __getattr__(name: str):
    if name == "STAGE":
        from .stage import STAGE

        return STAGE
    raise AttributeError(name)
