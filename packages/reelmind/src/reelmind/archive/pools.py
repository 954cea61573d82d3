"""Actor pool sizes of the archive pipeline, from each stage's ``resources(options, profile)``.

Every stage gets one Ray Data actor pool (at least one actor, so that a film can always move on).
Ray counts CPUs logically: when the stages' declared CPUs add up to more than the cluster has
(three one-CPU stages on a two-core machine), each stage's logical share is scaled down so that
one actor of every stage fits at once; otherwise the later stages would wait for an earlier pool
to drain and films would no longer stream through the stages. One CPU stays free for Ray Data's
own tasks. The threads a stage really uses are set by its options and the profile, not by this
number; an actor pool grows (on demand, by Ray Data's autoscaler) up to as many actors as fit in
the cluster's CPUs (or GPUs) beside one actor of every other stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reelmind.core.errors import ConfigError
from reelmind.core.stage import Resources

#: logical CPUs kept for the light film-preparation tasks
PREPARE_CPUS = 0.1
#: logical CPUs kept free for Ray Data's own tasks (listing the manifest's files takes a whole CPU:
#: with every CPU held by stage actors it would never start and the run would hang)
RAY_DATA_CPUS = 1.0


@dataclass(frozen=True)
class Pool:
    stage: str
    num_cpus: float
    num_gpus: float
    memory_gb: float
    batch_size: int  # films handed to one runner call
    min_size: int
    max_size: int


def size_pools(resources: dict[str, Resources], cpus: float, gpus: float = 0.0) -> dict[str, Pool]:
    """Pools for ``resources`` (stage -> Resources, in plan order) on a cluster of ``cpus``/``gpus``."""
    if cpus <= 0:
        raise ConfigError("the Ray cluster has no CPUs", "start Ray with CPUs (ray start --num-cpus N)")
    need_gpu = [n for n, r in resources.items() if r.gpus > 0]
    if need_gpu and gpus <= 0:
        raise ConfigError(f"stage(s) {', '.join(need_gpu)} need a GPU and the Ray cluster has none",
                          "use a CPU profile (--profile cpu-2core) or add GPU nodes to the cluster")
    budget = max(cpus - min(RAY_DATA_CPUS, cpus / 2) - PREPARE_CPUS, cpus * 0.25)
    declared = sum(max(r.cpus, 0.01) for r in resources.values())
    scale = min(1.0, budget / declared) if declared else 1.0
    pools = {}
    for name, r in resources.items():
        num_cpus = round(max(r.cpus, 0.01) * scale, 3)
        # room for one actor of every other stage: a second actor of a stage (which loads its models
        # again) only where the cores are there to run it
        others = sum(max(o.cpus, 0.01) for n, o in resources.items() if n != name)
        most = math.floor((cpus - others) / max(r.cpus, 0.01)) if r.cpus > 0 else 1
        if r.gpus > 0:
            most = min(most, math.floor(gpus / r.gpus)) if most else math.floor(gpus / r.gpus)
        pools[name] = Pool(name, num_cpus, float(r.gpus), float(r.memory_gb), max(1, int(r.batch_size)), 1, max(1, most))
    return pools
