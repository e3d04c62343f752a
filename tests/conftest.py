import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Upstream's oracle files, present beside a checkout (never copied into the project). A git
#: worktree may sit deeper than the main checkout, so the nearest ancestor holding them wins.
ORACLES = next((p / "shared" / "oracles" for p in ROOT.parents if (p / "shared" / "oracles").is_dir()),
               ROOT.parent / "shared" / "oracles")

sys.path.insert(0, str(Path(__file__).resolve().parent))


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
