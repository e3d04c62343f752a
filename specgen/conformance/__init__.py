"""The conformance checker: drive a live registry through workflows derived from the descriptors,
validate every exchange with ``specgen.validate``, and report results and descriptor coverage."""

from specgen.conformance.results import Check, Group, Report, Status
from specgen.conformance.runner import run

__all__ = ["Check", "Group", "Report", "Status", "run"]
