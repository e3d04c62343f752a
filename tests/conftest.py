import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Upstream's oracle files, present beside a checkout (never copied into the project). A git
#: worktree may sit deeper than the main checkout, so the nearest ancestor holding them wins.
ORACLES = next((p / "shared" / "oracles" for p in ROOT.parents if (p / "shared" / "oracles").is_dir()),
               ROOT.parent / "shared" / "oracles")

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: Fixtures that start a server process (a real peer or ``specgen serve``): a test using one is slow.
LIVE_FIXTURES = frozenset({"docker_registry", "docker_registry_htpasswd", "docker_registry_peer",
                           "interop_registry", "specgen_server", "specgen_server_shared"})
#: Tests that take seconds without a live-server fixture, in modules that do not mark them
#: themselves: by module (every test in it) or ``module::function`` (every parametrisation).
#: Measured with ``pytest --durations``.
SLOW = frozenset({
    "test_server_live.py", "test_benchmarks.py",
    "test_openapi.py::test_schemathesis_generates_requests",
    "test_openapi.py::test_openapi_python_client_generates",
    "test_openapi.py::test_deterministic_across_processes",
})


def pytest_collection_modifyitems(config, items):
    """Mark slow tests (``pytest -m "not slow"`` is the quick suite): the ones named in ``SLOW``,
    every interop test (each talks to a real peer it starts), and every test using a live server."""
    for item in items:
        module = item.path.name
        function = getattr(item, "originalname", item.name)
        if (module in SLOW or f"{module}::{function}" in SLOW or item.get_closest_marker("interop")
                or LIVE_FIXTURES.intersection(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def synthetic_set():
    from synthetic import SYNTHETIC_SET

    return SYNTHETIC_SET


@pytest.fixture
def oracles() -> Path:
    """The oracle folder; tests that only add a detailed diff skip that part when it is absent."""
    return ORACLES


@pytest.fixture(scope="session")
def registry_v2():
    """The registry_v2 descriptor set."""
    from specgen.descriptors import load_set

    return load_set("registry_v2")


# Real peers (docker-registry, specgen serve): fixtures live in tests/peers.py.
from peers import (  # noqa: E402,F401
    docker_registry,
    docker_registry_htpasswd,
    docker_registry_peer,
    interop_registry,
    specgen_server,
    specgen_server_shared,
)
