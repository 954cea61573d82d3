import importlib.util
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def toys():
    """tests/archive_toys.py as a module, pickled by value so Ray workers need not import it."""
    name = "reelmind_archive_toys"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("archive_toys.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        import ray.cloudpickle

        ray.cloudpickle.register_pickle_by_value(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray for every archive test (starting Ray costs ~10-20 s on the 2-core machines)."""
    import ray

    from reelmind.archive.driver import connect

    started = connect(num_cpus=2)
    yield ray.get_runtime_context().gcs_address
    if started:
        ray.shutdown()
