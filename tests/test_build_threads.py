"""How many models `tieout build` builds at once (tieout.build.dbt_threads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tieout import build


def _warehouse(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "w.duckdb"
    with path.open("wb") as f:
        f.truncate(size)  # sparse: the size is what counts
    return path


def test_small_warehouse_builds_two_models_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIEOUT_DBT_THREADS", raising=False)
    assert build.dbt_threads(_warehouse(tmp_path, 500 << 20)) == 2
    assert build.dbt_threads(tmp_path / "not-built-yet.duckdb") == 2


def test_large_warehouse_builds_one_model_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIEOUT_DBT_THREADS", raising=False)
    assert build.dbt_threads(_warehouse(tmp_path, 3 << 30)) == 1


def test_the_environment_overrides_and_a_bad_value_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEOUT_DBT_THREADS", "4")
    assert build.dbt_threads(_warehouse(tmp_path, 3 << 30)) == 4
    monkeypatch.setenv("TIEOUT_DBT_THREADS", "two")
    with pytest.raises(build.BuildError, match="TIEOUT_DBT_THREADS='two'.*set it to 1 or more"):
        build.dbt_threads(tmp_path / "w.duckdb")
