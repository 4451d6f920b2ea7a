"""Memory figures shared by the benchmark scripts."""

from __future__ import annotations

import resource


def rss_mb() -> float:
    """Resident memory of this process now, in MiB (NaN without psutil)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        return float("nan")


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
