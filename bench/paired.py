"""Interleaved pairs: time A, then B, then A, B ... and compare each A with its own B.

On a shared, noisy machine a figure and its baseline timed in separate blocks drift apart
with whatever else runs; a pair taken back to back sees the same load. The ratio reported
is the median of the per-pair ratios, with their spread (min–max).
"""

from __future__ import annotations

import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.table import Row

PAIRS = 11
"""At least 9: enough for a median that one disturbed pair cannot move."""


@dataclass(frozen=True)
class Paired:
    figures: list[float]
    baselines: list[float]

    @property
    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.figures, self.baselines, strict=True)]

    @property
    def figure(self) -> float:
        return statistics.median(self.figures)

    @property
    def baseline(self) -> float:
        return statistics.median(self.baselines)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float, float]:
        return self.ratio, min(self.ratios), max(self.ratios)


@dataclass
class ChildCpu:
    """CPU seconds (user + sys) of the child processes each side ran, pair by pair: less
    moved by other load on the machine than wall time, so a second view of the ratio."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def timed(self, side: str, measure: Callable[[], float]) -> Callable[[], float]:
        def wrapped() -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = measure()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            self.samples.setdefault(side, []).append(cpu)
            return result

        return wrapped

    def describe(self, figure: str, baseline: str, warmup: int = 1) -> str:
        """`CPU ...: 120 ms vs 100 ms, 1.20x (median per pair)`, the warm-up pairs left out."""
        a, b = self.samples[figure][warmup:], self.samples[baseline][warmup:]
        ratio = statistics.median(x / y for x, y in zip(a, b, strict=True) if y > 0)
        return (
            f"CPU (user + sys) of the processes: {statistics.median(a) * 1e3:.0f} ms vs "
            f"{statistics.median(b) * 1e3:.0f} ms, {ratio:.2f}x (median per pair)"
        )


def interleaved(
    figure: Callable[[], float],
    baseline: Callable[[], float],
    pairs: int = PAIRS,
    warmup: int = 1,
) -> Paired:
    """`pairs` samples of each callable (each returns the seconds it measured), alternating
    figure and baseline, after `warmup` unrecorded pairs (file caches, a first connection)."""
    for _ in range(warmup):
        figure()
        baseline()
    figures, baselines = [], []
    for _ in range(pairs):
        figures.append(figure())
        baselines.append(baseline())
    return Paired(figures, baselines)


def paired_row(
    section: str,
    name: str,
    paired: Paired,
    baseline_name: str,
    *,
    goal_ratio: float | None = None,
    note: str = "",
) -> Row:
    """A row whose target is the median per-pair ratio at most `goal_ratio`; without a
    goal, a figure reported beside its baseline."""
    return Row(
        section,
        name,
        paired.figure,
        "s",
        baseline_name,
        paired.baseline,
        f"<= {goal_ratio:g}x" if goal_ratio is not None else "",
        paired.ratio <= goal_ratio if goal_ratio is not None else None,
        note,
        pairs=len(paired.figures),
        pair_ratios=paired.spread,
    )
