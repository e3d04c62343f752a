"""The memory case of ``benchmarks/run.py``: many concurrent large uploads, one server at a time.

For each server: its idle RSS (summed VmRSS of its process group, after one request), then ``count``
clients each push the same ``size`` blob at once (POST, then PUT with the whole body, sent with
sendfile; one connection each, into repositories of their own), the group's RSS sampled every
10 ms; then, ``settle`` seconds after the last answer, its RSS again. The target (issue 11): peak
at most 2x docker-registry's peak in the same run, and back within 20 MiB of idle after the burst.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

#: Wanted: specgen's peak / docker-registry's peak at most this; RSS after the burst within this of idle.
PEAK_RATIO_TARGET = 2.0
SETTLED_SLACK_MIB = 20.0


@dataclass
class BurstResult:
    name: str
    idle_kib: int
    peak_kib: int
    settled_kib: int
    seconds: float
    failures: list[str]


def measure_burst(run, servers: list[tuple[str, str, int]], blob, count: int, settle: float = 10.0) -> list[BurstResult]:
    """``run`` is the ``benchmarks/run.py`` module (its Client, push_monolithic, RssSampler)."""
    out = []
    for name, url, pgid in servers:
        warm = run.Client(url)
        warm.request("GET", "/v2/")
        warm.close()
        time.sleep(1.0)  # let start-up allocations settle before reading the idle figure
        idle = sum(run._status_kib(p, "VmRSS") for p in run.group_pids(pgid))
        failures: list[str] = []
        lock = threading.Lock()

        def push(i: int, url: str = url, lock: threading.Lock = lock, failures: list[str] = failures) -> None:
            cl = run.Client(url)
            try:
                run.push_monolithic(cl, f"burst/r{i}", blob)
            except Exception as exc:  # reported in the table, not fatal
                with lock:
                    failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            finally:
                cl.close()

        threads = [threading.Thread(target=push, args=(i,), daemon=True) for i in range(count)]
        with run.RssSampler(pgid) as sampler:
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            seconds = time.perf_counter() - t
            time.sleep(settle)
        settled = sum(run._status_kib(p, "VmRSS") for p in run.group_pids(pgid))
        out.append(BurstResult(name, idle, sampler.peak_kib, settled, seconds, failures))
    return out


def burst_report(results: list[BurstResult], count: int, size_mib: int, settle: float) -> list[str]:
    lines = [
        "",
        f"### Memory: {count} concurrent {size_mib} MiB uploads (one server at a time)",
        "",
        f"RSS of the server's process group: idle before, peak during, and {settle:g} s after the last answer.",
        "",
        "| | idle (MiB) | peak (MiB) | after (MiB) | after − idle (MiB) | burst time (s) | failed pushes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.idle_kib / 1024:.1f} | {r.peak_kib / 1024:.1f} | {r.settled_kib / 1024:.1f} | "
            f"{(r.settled_kib - r.idle_kib) / 1024:+.1f} | {r.seconds:.1f} | {len(r.failures)} |"
        )
    go = next((r for r in results if r.name == "docker-registry"), None)
    spec = next((r for r in results if r.name.startswith("specgen")), None)
    if go and spec and go.peak_kib:
        ratio = spec.peak_kib / go.peak_kib
        back = (spec.settled_kib - spec.idle_kib) / 1024
        lines += [
            "",
            "| measure | value | verdict |",
            "|---|---:|---|",
            f"| peak RSS specgen / docker-registry | {ratio:.2f} | "
            f"{'met' if ratio <= PEAK_RATIO_TARGET else 'MISSED'} (target ≤{PEAK_RATIO_TARGET:g}x) |",
            f"| specgen RSS after the burst − idle (MiB) | {back:+.1f} | "
            f"{'met' if back <= SETTLED_SLACK_MIB else 'MISSED'} (target ≤{SETTLED_SLACK_MIB:g}) |",
        ]
    for r in results:
        for failure in r.failures[:3]:
            lines.append(f"\n{r.name} push failed: {failure}")
    return lines
