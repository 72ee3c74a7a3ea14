"""One benchmark row: a figure, its floor or baseline, their ratio and, when measured in
interleaved pairs, the spread of the per-pair ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Row:
    section: str
    name: str
    figure: float
    unit: str
    baseline_name: str
    baseline: float | None
    target: str = ""
    met: bool | None = None
    note: str = ""
    pairs: int = 0
    """How many interleaved (figure, baseline) pairs were timed; 0 when not paired."""
    pair_ratios: tuple[float, float, float] | None = None
    """(median, min, max) of the per-pair ratios, when paired."""

    @property
    def ratio(self) -> float | None:
        if self.pair_ratios is not None:
            return self.pair_ratios[0]
        if self.baseline is None or self.baseline == 0:
            return None
        return self.figure / self.baseline

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        fields = {key: value for key, value in data.items() if key != "ratio"}
        if fields.get("pair_ratios") is not None:
            fields["pair_ratios"] = tuple(fields["pair_ratios"])
        return cls(**fields)


@dataclass(frozen=True)
class Section:
    """What one benchmark module measured: rows, and optionally a table of its own."""

    rows: list[Row]
    contents: list[dict[str, Any]] = field(default_factory=list)
    """The Lambda zip's contents per distribution (the package section only)."""


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1e3:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "bytes":
        return f"{value / 1e6:,.2f} MB" if value >= 1e5 else f"{value:,.0f} B"
    return f"{value:,.0f} {unit}".strip()


def format_ratio(row: Row) -> str:
    if row.ratio is None:
        return "-"
    text = f"{row.ratio:,.2f}x"
    if row.pair_ratios is not None:
        _, low, high = row.pair_ratios
        text += f" ({low:.2f}–{high:.2f}, {row.pairs} pairs)"
    return text


def median_seconds(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
