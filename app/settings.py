"""Settings of the app, read from the environment (``tieout app`` sets them from its options)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tieout.settings import PROJECT_ROOT, warehouse_path

APP_DIR = Path(__file__).resolve().parent
DEFAULT_USERS_FILE = APP_DIR / "users.toml"
DEFAULT_ACCOUNT_MAP = PROJECT_ROOT / "dbt_project" / "seeds" / "account_map.csv"


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class AppSettings:
    """Where the data is and the limits the app works within."""

    warehouse: Path
    users_file: Path
    account_map: Path
    sql_row_limit: int = 10_000
    sql_time_limit: float = 10.0
    page_size: int = 50
    read_timeout: float = 20.0  # how long a read waits for a lock held by another process

    @classmethod
    def load(cls) -> AppSettings:
        return cls(
            warehouse=warehouse_path(),
            users_file=Path(os.environ.get("TIEOUT_USERS_FILE", DEFAULT_USERS_FILE)),
            account_map=Path(os.environ.get("TIEOUT_ACCOUNT_MAP", DEFAULT_ACCOUNT_MAP)),
            sql_row_limit=_int("TIEOUT_SQL_ROW_LIMIT", 10_000),
            sql_time_limit=_float("TIEOUT_SQL_TIME_LIMIT", 10.0),
            page_size=_int("TIEOUT_PAGE_SIZE", 50),
            read_timeout=_float("TIEOUT_READ_TIMEOUT", 20.0),
        )
