"""Parts of the audio stage that do not need each other, run side by side in threads.

The heavy kernels (CTranslate2, ONNX Runtime, openSMILE through ctypes) release the GIL, so two
threads use two cores; results come back in the order of the calls, so tables never depend on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .options import AudioOptions


def part_threads(options: "AudioOptions", profile: Any) -> int:
    """Threads for the parts that do not need each other (``part_threads``; 0: 2 when the profile, or
    without one the machine, has 2 cores or more, else 1). A block's ASR (CTranslate2) and its speaker
    analysis (ONNX Runtime) release the GIL, so on two cores the block takes about the longer of the two
    instead of their sum (bench/RESULTS.md, issue 18 round 5); the tables do not depend on it."""
    if options.part_threads > 0:
        return options.part_threads
    cores = int(getattr(profile, "threads", 0) or 0) or (os.cpu_count() or 1)
    return 2 if cores >= 2 else 1


def side_by_side(calls: list[Callable[[], Any]], threads: int) -> list[Any]:
    """The results of ``calls``, in order: the first runs in this thread and the others in up to
    ``threads - 1`` threads beside it (``threads`` <= 1: one after the other). The first exception is
    raised once every call has ended."""
    if threads <= 1 or len(calls) < 2:
        return [call() for call in calls]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(threads - 1, len(calls) - 1), thread_name_prefix="reelmind-audio") as pool:
        rest = [pool.submit(call) for call in calls[1:]]
        first = calls[0]()  # on an exception, leaving the pool still waits for the others
    return [first] + [f.result() for f in rest]
