"""Helpers every page uses: settings, the signed-in user, cached reads, paging, exports, messages."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from app.data.warehouse import Reader, WarehouseUnavailable
from app.settings import AppSettings

T = TypeVar("T")
_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def settings() -> AppSettings:
    return AppSettings.load()


def reader() -> Reader:
    s = settings()
    return Reader(s.warehouse, s.read_timeout)


def user() -> Any:
    """The signed-in :class:`app.auth.User` (the main script stops before any page when nobody is)."""
    return st.session_state["user"]


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _cached(name: str, path: str, timeout: float, signature: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
    del signature  # part of the cache key only: any change of the warehouse file makes a new entry
    target = Reader(Path(path), timeout)
    with target.session():
        return _FUNCTIONS[name](target, *args)


def data(fn: Callable[..., T], *args: Any) -> T:
    """``fn(reader, *args)``, cached until the warehouse file changes (a refresh or any decision)."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _FUNCTIONS[name] = fn
    r = reader()
    return _cached(name, str(r.path), r.timeout, r.signature(), args)


def guard(body: Callable[[], None]) -> None:
    """Run a page body on one lazily opened read connection, turning a missing or busy warehouse into a
    message instead of a traceback."""
    try:
        with reader().lazy_session():
            body()
    except WarehouseUnavailable as exc:
        st.warning(str(exc))


def show_outcome(key: str) -> None:
    """Show (once) the result of the last decision stored under ``key``."""
    outcome = st.session_state.pop(key, None)
    if outcome is None:
        return
    (st.success if outcome.ok else st.error)(outcome.message)


def remember_outcome(key: str, outcome: Any) -> None:
    st.session_state[key] = outcome
    st.cache_data.clear()


def money(value: Any, currency: str | None = None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    amount = Decimal(str(value))
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def pager(key: str, total: int, page_size: int) -> int:
    """Previous / next buttons and a page number; returns the 0-based page to show."""
    pages = max((total + page_size - 1) // page_size, 1)
    current = min(int(st.session_state.get(key, 0)), pages - 1)
    left, middle, right = st.columns([1, 3, 1])
    if left.button("◀ Previous", key=f"{key}_prev", disabled=current <= 0):
        current -= 1
    if right.button("Next ▶", key=f"{key}_next", disabled=current >= pages - 1):
        current += 1
    st.session_state[key] = current
    first = current * page_size + 1 if total else 0
    middle.caption(
        f"Rows {first:,}–{min((current + 1) * page_size, total):,} of {total:,} · page {current + 1} "
        f"of {pages}"
    )
    return current


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_excel(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An .xlsx of ``frame`` (openpyxl); money stays exact (Decimal written as numbers with 2 decimals)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for idx, column in enumerate(frame.columns, start=1):
        values = frame[column]
        if len(values) and all(isinstance(v, Decimal) or v is None for v in values):
            for cell in ws.iter_cols(min_col=idx, max_col=idx, min_row=2):
                for c in cell:
                    c.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, list | tuple | dict):
        return str(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value


def downloads(frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str, key: str) -> None:
    """CSV and Excel download buttons; a callable ``frame`` is only built when a button is clicked."""

    def build(kind: str) -> Callable[[], bytes] | bytes:
        if callable(frame):
            return lambda: to_csv(frame()) if kind == "csv" else to_excel(frame(), name)
        return to_csv(frame) if kind == "csv" else to_excel(frame, name)

    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        build("csv"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        width="stretch",
        on_click="ignore",
    )
    right.download_button(
        "Download Excel",
        build("xlsx"),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        width="stretch",
        on_click="ignore",
    )


def money_columns(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, Any]:
    """Column config showing money with two decimals and thousands separators."""
    return {n: st.column_config.NumberColumn(n, format="accounting") for n in names if n in frame.columns}


def no_data(what: str) -> None:
    st.info(
        f"{what} is not in the warehouse yet: run a refresh (Pipeline page) once the sources are set up, "
        "or `tieout run`."
    )
