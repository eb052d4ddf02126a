"""bench.report: the statistics and the table of ``make bench`` (pure code, no browser)."""

import math

import pytest

from bench.report import (
    MISS,
    NA,
    PASS,
    Row,
    Target,
    as_json,
    format_value,
    median,
    p99,
    percentile,
    ratio,
    render,
    summary,
)


def test_median_of_odd_and_even_counts_and_of_nothing() -> None:
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None


def test_p99_is_nearest_rank_so_it_is_always_a_measured_value() -> None:
    values = list(range(1, 101))  # 1..100
    assert p99(values) == 99
    assert p99(list(range(1, 1001))) == 990
    assert p99([7.0]) == 7.0
    assert p99(reversed(values)) == 99  # order does not matter


def test_nearest_rank_rounds_the_rank_up() -> None:
    assert percentile([10, 20, 30], 50) == 20
    assert percentile([10, 20, 30, 40], 50) == 20
    assert percentile([10, 20, 30, 40], 51) == 30
    assert percentile([10, 20, 30], 100) == 30


def test_percentile_of_nothing_is_none_and_a_bad_p_is_refused() -> None:
    assert percentile([], 99) is None
    with pytest.raises(ValueError):
        percentile([1], 0)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_ratio_needs_both_figures_and_a_positive_floor() -> None:
    assert ratio(1150, 1000) == pytest.approx(1.15)
    assert ratio(None, 1000) is None
    assert ratio(1000, None) is None
    assert ratio(1000, 0) is None


def test_a_value_target_passes_at_the_limit_and_misses_above_it() -> None:
    assert Row("S", "save p99", 0.5, target=Target(0.5)).verdict == PASS
    assert Row("S", "save p99", 0.51, target=Target(0.5)).verdict == MISS


def test_a_ratio_target_compares_with_the_floor_measured_in_the_same_run() -> None:
    assert Row("B", "warm", 1100, floor=1000, target=Target(1.15, on="ratio")).verdict == PASS
    assert Row("B", "warm", 1200, floor=1000, target=Target(1.15, on="ratio")).verdict == MISS
    assert Row("B", "warm", 1200, target=Target(1.15, on="ratio")).verdict == NA  # no floor measured


def test_a_missing_figure_is_not_applicable_and_a_row_without_target_has_no_verdict() -> None:
    assert Row("C", "save p99", None, target=Target(0.5), note="n/a (hook missing)").verdict == NA
    assert Row("A", "req/s", 900.0, unit="req/s").verdict == ""


def test_values_get_the_digits_they_deserve() -> None:
    assert format_value(0.0423, "ms") == "0.042 ms"
    assert format_value(3.456, "ms") == "3.46 ms"
    assert format_value(45.67, "ms") == "45.7 ms"
    assert format_value(4535.2, "ms") == "4 535 ms"
    assert format_value(48136, "B") == "48 136 B"
    assert format_value(0.0, "ms") == "0 ms"
    assert format_value(None, "ms") == NA
    assert format_value(math.nan, "ms") == NA


def test_targets_read_as_limits() -> None:
    assert Target(0.25).describe("ms") == "≤ 0.250 ms"
    assert Target(1.15, on="ratio").describe("ms") == "≤ 1.15 × floor"
    assert Target(2048, text="≤ 2 KB").describe("B") == "≤ 2 KB"


def test_the_table_aligns_columns_and_names_each_section_once() -> None:
    rows = [Row("Boot", "cold", 4000.0, floor=2000.0),
            Row("Boot", "warm", 2300.0, floor=2000.0, target=Target(1.15, on="ratio")),
            Row("Save/load", "save p99", None, target=Target(0.5), note="n/a (hook missing)")]
    lines = render(rows).splitlines()
    assert lines[0].split()[:2] == ["section", "figure"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].startswith("Boot") and lines[3].startswith(" ")  # section shown once
    assert "2.00×" in lines[2] and "1.15×" in lines[3] and lines[3].endswith("PASS")
    assert "n/a (hook missing)" in lines[4] and lines[4].endswith(NA)
    assert len({len(line) for line in lines[:2]}) == 1


def test_json_rows_carry_figure_floor_ratio_and_result() -> None:
    [row] = as_json([Row("Boot", "warm", 2400.0, floor=2000.0, target=Target(1.15, on="ratio"))])
    assert row["value"] == 2400.0 and row["floor"] == 2000.0
    assert row["ratio"] == pytest.approx(1.2)
    assert row["result"] == MISS and row["target"] == "≤ 1.15 × floor"


def test_summary_counts_verdicts_of_rows_with_targets() -> None:
    rows = [Row("a", "x", 1, target=Target(2)), Row("a", "y", 3, target=Target(2)),
            Row("a", "z", None, target=Target(2)), Row("a", "w", 5)]
    assert summary(rows) == "1 PASS, 1 MISS, 1 n/a"
