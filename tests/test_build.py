from pathlib import Path

from specgen import build
from specgen.descriptors import BUNDLED

ROOT = Path(__file__).resolve().parents[1]


def test_committed_build_directory_is_fresh():
    """The committed build/ equals what the descriptors and templates produce now."""
    files = build.render_all(BUNDLED)
    assert build.stale_files(ROOT / "build", files, BUNDLED) == []


def test_check_names_stale_missing_and_extra_files(tmp_path):
    files = {"s/a.txt": b"one", "s/b.txt": b"two"}
    build.write(tmp_path, files, ["s"])
    assert build.stale_files(tmp_path, files, ["s"]) == []
    (tmp_path / "s/a.txt").write_bytes(b"edited by hand")
    (tmp_path / "s/b.txt").unlink()
    (tmp_path / "s/old.txt").write_bytes(b"left over")
    problems = build.stale_files(tmp_path, files, ["s"])
    assert problems == [
        f"stale: {tmp_path / 's/a.txt'}",
        f"missing: {tmp_path / 's/b.txt'}",
        f"not generated (remove it): {tmp_path / 's/old.txt'}",
    ]
    build.write(tmp_path, files, ["s"])
    assert build.stale_files(tmp_path, files, ["s"]) == []
    assert not (tmp_path / "s/old.txt").exists()


def test_build_is_deterministic():
    assert build.render_all(BUNDLED) == build.render_all(BUNDLED)
