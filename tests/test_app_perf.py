"""app/perf.py: page latencies measured the way the benchmark suite reuses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.perf import measure_pages
from tests.test_app_support import make_warehouse


def test_measure_pages_times_first_and_cached_visits(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    found = measure_pages(warehouse, ["overview", "journals"])
    assert set(found) == {"overview", "overview:cached", "journals", "journals:cached"}
    assert all(0 < seconds < 30 for seconds in found.values())
    with pytest.raises(ValueError, match="unknown page 'nope'"):
        measure_pages(warehouse, ["nope"])
    with pytest.raises(FileNotFoundError):
        measure_pages(tmp_path / "none.duckdb", ["overview"])
