"""Helpers shared by the Sage 100 sandbox and loader tests (no tests here)."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

from sandbox.sage100.schema import TABLES

MINI_SCENARIO = Path(__file__).parent / "fixtures" / "sage100_mini"


def copy_mini_scenario(tmp_path: Path) -> Path:
    """A private copy of the hand-made mini scenario that a test may edit."""
    target = tmp_path / "scenario"
    shutil.copytree(MINI_SCENARIO, target, ignore=shutil.ignore_patterns("*.db"))
    return target


def csv_rows(scenario: Path, table: str) -> list[dict[str, str]]:
    """The rows of ``sage100/<table>.csv`` as dicts (empty if the file is absent)."""
    path = scenario / "sage100" / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_csv(scenario: Path, table: str, rows: list[dict[str, str]]) -> None:
    """Rewrite ``sage100/<table>.csv`` with the schema's columns."""
    path = scenario / "sage100" / f"{table}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=TABLES[table].column_names)
        writer.writeheader()
        writer.writerows(rows)


def generator_ready() -> bool:
    """Whether the scenario generator (another part of tieout) can run yet."""
    try:
        return importlib.util.find_spec("sandbox.generator.cli") is not None
    except ModuleNotFoundError:
        return False
