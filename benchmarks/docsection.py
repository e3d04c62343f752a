"""docs/benchmarks.md holds one section per benchmark script, each between its own markers
(``<!-- NAME-begin -->`` / ``<!-- NAME-end -->``), so each script rewrites its own results and
leaves the others' alone."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
#: The order sections take in a new document.
ORDER = ("server", "client", "s3")
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by its script under `benchmarks/` (named in it); do not edit by hand,\n"
    "re-run the script. Every figure is measured against its peer in the same run on the same machine.\n"
)


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}-begin -->", f"<!-- {name}-end -->"


def write_section(name: str, text: str, doc: Path = DOC) -> Path:
    """Put ``text`` between the markers of section ``name`` in ``doc``: in place when they are
    there, else after the sections that come before it in ``ORDER`` (at the end otherwise)."""
    begin, end = markers(name)
    body = f"{begin}\n{text.strip()}\n{end}"
    current = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        current = head + body + rest.split(end, 1)[1]
    else:
        later = [markers(n)[0] for n in ORDER[ORDER.index(name) + 1:] if name in ORDER]
        at = min((current.index(m) for m in later if m in current), default=None)
        if at is None:
            current = current.rstrip("\n") + "\n\n" + body + "\n"
        else:
            current = current[:at] + body + "\n\n" + current[at:]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(current, encoding="utf-8")
    return doc
