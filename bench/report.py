"""Pure statistics and formatting for ``make bench``: no browser, no I/O, unit-tested.

A benchmark result is a list of ``Row``: one figure, optionally the floor it is compared
with (measured in the same run) and a ``Target``. ``render(rows)`` prints the one table;
``as_json(rows)`` is what lands in ``bench/results/latest.json``.

Example::

    rows = [Row("Boot", "warm: navigation → ready", median([910, 905, 930]), "ms",
                floor=median([800, 790, 805]), target=Target(1.15, on="ratio"))]
    print(render(rows))
    # Boot  warm: navigation → ready  910 ms  800 ms  1.14×  ≤ 1.15 × floor  PASS
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PASS, MISS, NA = "PASS", "MISS", "n/a"


def median(values: Iterable[float]) -> float | None:
    """The median, or None when there is nothing to take it of."""
    values = list(values)
    return statistics.median(values) if values else None


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``p`` % of values at or below it."""
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[rank - 1]


def p99(values: Iterable[float]) -> float | None:
    return percentile(values, 99)


def ratio(value: float | None, floor: float | None) -> float | None:
    """``value / floor``, or None when either is missing or the floor is not positive."""
    if value is None or floor is None or floor <= 0:
        return None
    return value / floor


@dataclass(frozen=True)
class Target:
    """``value ≤ limit`` (``on="value"``) or ``value / floor ≤ limit`` (``on="ratio"``)."""

    limit: float
    on: str = "value"
    text: str = ""  # how the target reads in the table; derived from limit and unit when empty

    def describe(self, unit: str) -> str:
        if self.text:
            return self.text
        if self.on == "ratio":
            return f"≤ {self.limit:g} × floor"
        return f"≤ {format_value(self.limit, unit)}"


@dataclass(frozen=True)
class Row:
    section: str
    name: str
    value: float | None
    unit: str = "ms"
    floor: float | None = None
    target: Target | None = None
    note: str = ""  # shown instead of a missing value (e.g. "n/a (hook missing)"), or after it

    @property
    def ratio(self) -> float | None:
        return ratio(self.value, self.floor)

    @property
    def verdict(self) -> str:
        """PASS/MISS against the target; "" without a target; n/a when the figure is missing."""
        if self.target is None:
            return ""
        measured = self.ratio if self.target.on == "ratio" else self.value
        if measured is None:
            return NA
        return PASS if measured <= self.target.limit else MISS


def format_value(value: float | None, unit: str) -> str:
    """A figure with as many digits as it deserves: 0.042 ms, 3.4 ms, 912 ms, 1 534 B."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    if unit in ("B", "", "tasks", "writes", "polls"):
        number = f"{value:,.0f}".replace(",", " ") if float(value).is_integer() else f"{value:.1f}"
        return f"{number} {unit}".rstrip()
    if value == 0:
        return f"0 {unit}".rstrip()
    magnitude = abs(value)
    digits = 3 if magnitude < 1 else 2 if magnitude < 10 else 1 if magnitude < 100 else 0
    number = f"{value:,.{digits}f}".replace(",", " ")
    return f"{number} {unit}".rstrip()


HEADER = ("section", "figure", "value", "floor", "× floor", "target", "result")


def cells(row: Row) -> tuple[str, ...]:
    value = format_value(row.value, row.unit) if row.value is not None else (row.note or NA)
    if row.value is not None and row.note:
        value = f"{value} ({row.note})"
    floor = format_value(row.floor, row.unit) if row.floor is not None else ""
    times = f"{row.ratio:.2f}×" if row.ratio is not None else ""
    target = row.target.describe(row.unit) if row.target else ""
    return (row.section, row.name, value, floor, times, target, row.verdict)


def render(rows: Sequence[Row]) -> str:
    """One aligned text table; the section name is shown on its first row only."""
    table = [HEADER, *(cells(row) for row in rows)]
    for index in range(len(table) - 1, 1, -1):
        if table[index][0] == table[index - 1][0]:
            table[index] = ("", *table[index][1:])
    widths = [max(len(line[col]) for line in table) for col in range(len(HEADER))]
    numeric = {2, 3, 4}  # right-aligned columns

    def line(values: tuple[str, ...]) -> str:
        parts = [value.rjust(width) if col in numeric else value.ljust(width)
                 for col, (value, width) in enumerate(zip(values, widths))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(table[0]), rule, *(line(values) for values in table[1:])])


def as_json(rows: Sequence[Row]) -> list[dict]:
    return [{"section": row.section, "figure": row.name, "value": row.value, "unit": row.unit,
             "floor": row.floor, "ratio": row.ratio,
             "target": row.target.describe(row.unit) if row.target else None,
             "result": row.verdict or None, "note": row.note or None} for row in rows]


def summary(rows: Sequence[Row]) -> str:
    """``"6 PASS, 2 MISS, 1 n/a"`` over the rows that have a target."""
    verdicts = [row.verdict for row in rows if row.target is not None]
    return ", ".join(f"{verdicts.count(v)} {v}" for v in (PASS, MISS, NA) if verdicts.count(v))
