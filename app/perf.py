"""How long each page of the app takes to answer on a warehouse: first visit (nothing cached) and cached.

``python -m app.perf --warehouse W [--page overview --page exceptions ...]`` prints a table;
:func:`measure_pages` returns the numbers (the benchmark suite uses it).

Each page runs through Streamlit's ``AppTest`` as a signed-in approver, in this process; the time is the
server's work for one page run as ``app/streamlit_app.py`` measures it (the main script, sign-in check,
navigation, the page's queries and building its elements), without the browser's drawing or the
websocket. Before measuring, every page runs once so that module imports (paid once per server process)
are not counted; then for each page the app's caches are cleared (as after a refresh or a decision:
every cached result is keyed on the warehouse file's signature), the page runs (**first visit**) and
runs again (**cached**).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PAGES = ("overview", "exceptions", "payments", "journals", "signoff", "sql", "pipeline", "mappings")
APP_FILE = Path(__file__).resolve().parent / "streamlit_app.py"


@contextmanager
def _warehouse_env(warehouse: Path) -> Iterator[None]:
    old = os.environ.get("TIEOUT_WAREHOUSE")
    os.environ["TIEOUT_WAREHOUSE"] = str(Path(warehouse).resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TIEOUT_WAREHOUSE", None)
        else:
            os.environ["TIEOUT_WAREHOUSE"] = old


def _clear_caches() -> None:
    import streamlit as st

    from app.data import journals
    from app.data import warehouse as wh

    st.cache_data.clear()
    wh._TABLES.clear()
    getattr(journals, "_PROPOSALS", {}).clear()


def _app(page: str, timeout: float):  # noqa: ANN202 - streamlit.testing.v1.AppTest
    from streamlit.testing.v1 import AppTest

    from app.auth import User

    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; pages: {', '.join(PAGES)}")
    at = AppTest.from_file(str(APP_FILE), default_timeout=timeout)
    at.session_state["user"] = User("approver", "approver", "Perf Approver", "password")
    at.switch_page(f"views/{page}.py")
    return at


def _timed_run(at, page: str) -> float:  # noqa: ANN001
    """The server's time for one run of the page, as the main script measures it (``AppTest``'s own
    work around the run — component discovery, waiting for deltas — is not the app's and not counted)."""
    at.run()
    if at.exception:
        raise RuntimeError(f"page {page} failed: {[e.value for e in at.exception]}")
    return float(at.session_state["_run_seconds"])


def measure_pages(
    warehouse: Path, pages: list[str] | None = None, *, repeat: int = 1, timeout: float = 120.0
) -> dict[str, float]:
    """Seconds per page on ``warehouse``: ``"<page>"`` is the first visit (nothing cached) and
    ``"<page>:cached"`` a second visit; with ``repeat`` > 1 each is the best of that many tries (as
    ``timeit`` does: what other processes on the machine add is noise, not the page's cost)."""
    if not Path(warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    wanted = list(pages or PAGES)
    out: dict[str, float] = {}
    with _warehouse_env(Path(warehouse)):
        for page in wanted:  # warm-up: imports and Streamlit's own first-run work
            _timed_run(_app(page, timeout), page)
        for page in wanted:
            first, cached = [], []
            for _ in range(max(1, repeat)):
                _clear_caches()
                at = _app(page, timeout)
                first.append(_timed_run(at, page))
                cached.append(_timed_run(at, page))
            out[page] = round(min(first), 3)
            out[f"{page}:cached"] = round(min(cached), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.perf", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--page", action="append", choices=PAGES, help="repeatable; default every page")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    found = measure_pages(args.warehouse, args.page, repeat=args.repeat)
    print(f"{'page':<12} {'first visit':>12} {'cached':>8}")
    for page in args.page or PAGES:
        print(f"{page:<12} {found[page]:>11.2f}s {found[page + ':cached']:>7.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
