"""reelmind.fuse: align faces, speech and voice into one dataset row per utterance.

Offset detection, before/during/after window matching (native kernel), the speaking face from
identity <-> voice co-occurrence, listeners, multimodal conflicts with fallbacks and provenance;
plus a ground-truth film builder and ``reelmind eval``.
"""

__version__ = "0.1.0"
