"""The conformance checker (``specgen check``): drive a live registry through workflows derived from
the descriptors, validate every exchange against them, and report results and descriptor coverage.

- ``specgen.checker.validate``: one exchange against a set (``validate(Exchange(...), dset)``);
- ``specgen.checker.run(url, dset)``: the whole run, a ``Report``;
- ``specgen.checker.scenarios``: the workflows, one module per entity;
- ``specgen.checker.fit``: which bundled set the recorded answers fit best.
"""

from specgen.checker.results import Check, Group, Report, Status
from specgen.checker.runner import run

__all__ = ["Check", "Group", "Report", "Status", "run"]
