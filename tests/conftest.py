import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Upstream's oracle files, present beside a checkout (never copied into the project).
#: A git worktree under <repo>/../wt/<name> looks one level further up.
_ORACLE_CANDIDATES = (ROOT.parent / "shared" / "oracles", ROOT.parent.parent / "shared" / "oracles")
ORACLES = next((p for p in _ORACLE_CANDIDATES if p.is_dir()), _ORACLE_CANDIDATES[0])

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def synthetic_set():
    from synthetic import SYNTHETIC_SET

    return SYNTHETIC_SET


@pytest.fixture
def oracles() -> Path:
    """The oracle folder; tests that only add a detailed diff skip that part when it is absent."""
    return ORACLES
