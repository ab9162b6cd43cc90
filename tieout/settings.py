"""Paths and settings shared by every tieout step, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def warehouse_path() -> Path:
    """The DuckDB warehouse file (``TIEOUT_WAREHOUSE``, default ``warehouse/tieout.duckdb``)."""
    return Path(os.environ.get("TIEOUT_WAREHOUSE", PROJECT_ROOT / "warehouse" / "tieout.duckdb"))


def sandbox_dir() -> Path:
    """Where the demo keeps its generated scenario and Sage 100 company (``TIEOUT_SANDBOX_DIR``)."""
    return Path(os.environ.get("TIEOUT_SANDBOX_DIR", PROJECT_ROOT / ".sandbox"))
