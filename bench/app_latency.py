"""Page latency of the review app on a built warehouse: first visit and again (cached), in seconds.

Uses ``app.perf.measure_pages`` when the app provides it; otherwise drives the app with Streamlit's
AppTest signed in as the demo approver: a warm-up run on the SQL page (imports, sign-in), then each page's
first visit, then ``--runs`` more visits of each (median). Prints one JSON line.

    python bench/app_latency.py --warehouse WAREHOUSE.duckdb --page overview --page exceptions
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

WARM_UP_PAGE = "sql"


def _with_app_perf(warehouse: Path, pages: list[str], runs: int) -> dict[str, Any] | None:
    try:
        from app.perf import measure_pages  # type: ignore[import-not-found]
    except ImportError:
        return None
    first = measure_pages(warehouse, pages)
    again = [measure_pages(warehouse, pages) for _ in range(runs)]
    return {
        "method": "app.perf.measure_pages",
        "pages": {
            p: {
                "first": round(first[p], 3),
                "again": round(statistics.median(a[p] for a in again), 3),
                "runs": [round(a[p], 3) for a in again],
            }
            for p in pages
        },
    }


def _with_apptest(warehouse: Path, pages: list[str], runs: int) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest

    from app.auth import User, load_users
    from app.settings import DEFAULT_USERS_FILE

    app_file = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"
    account = load_users(DEFAULT_USERS_FILE).accounts["approver"]
    at = AppTest.from_file(str(app_file), default_timeout=300)
    at.session_state["user"] = User(account.username, account.role, account.name, "password")

    def visit(page: str) -> float:
        at.switch_page(f"views/{page}.py")
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"the {page} page failed: {[e.value for e in at.exception]}")
        return seconds

    visit(WARM_UP_PAGE)
    first = {p: visit(p) for p in pages}
    again: dict[str, list[float]] = {p: [] for p in pages}
    for _ in range(runs):
        for p in pages:
            again[p].append(visit(p))
    return {
        "method": "Streamlit AppTest (one session, signed in as the demo approver)",
        "pages": {
            p: {
                "first": round(first[p], 3),
                "again": round(statistics.median(again[p]), 3),
                "runs": [round(x, 3) for x in again[p]],
            }
            for p in pages
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--page", action="append", dest="pages", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pages = args.pages or ["overview", "exceptions"]
    os.environ["TIEOUT_WAREHOUSE"] = str(args.warehouse.resolve())
    result = _with_app_perf(args.warehouse, pages, args.runs) or _with_apptest(
        args.warehouse, pages, args.runs
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
