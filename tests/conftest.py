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
    """The registry_v2 set: bundled once it lands, else upstream's dump beside the checkout."""
    from specgen.descriptors import SetNotFound, load_set

    try:
        return load_set("registry_v2")
    except SetNotFound:
        candidates = [ORACLES, ROOT.parent.parent / "shared" / "oracles"]  # main checkout or a worktree
        dump = next((c / "registry-v2-descriptors.json" for c in candidates
                     if (c / "registry-v2-descriptors.json").exists()), None)
        if dump is None:
            pytest.skip("registry_v2 set not bundled yet and no oracle dump beside the checkout")
        import json

        from specgen.dump import load

        return load(json.loads(dump.read_text()))
