"""How a path is measured: wall seconds per stage and the peak resident set size."""

from __future__ import annotations

import time

__all__ = ["Stopwatch", "peak_rss_gib"]


class Stopwatch:
    """Wall seconds and peak RSS so far, per named stage (summed over repeats of a stage)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rss_after: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._t
        self.rss_after.setdefault(stage, peak_rss_gib())
        self._t = now

    def restart(self) -> None:
        self._t = time.perf_counter()


def peak_rss_gib() -> float:
    """Peak resident set size of this process so far [GiB].

    Linux: ``VmHWM`` of /proc/self/status, the high-water mark of this process's own address
    space. ``getrusage().ru_maxrss`` is not used there: across fork + exec it carries the
    parent's peak over, so a child would report at least the parent's high-water mark.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**20  # kB
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
