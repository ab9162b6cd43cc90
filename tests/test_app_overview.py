"""Overview page: tie-out per area to the cent, exceptions by type, aging and trend."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.data import overview
from app.data.warehouse import Reader
from tests.test_app_support import make_warehouse, signed_in_app, texts


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def test_area_status_per_period(warehouse: Path) -> None:
    statuses = {s.area: s for s in overview.area_status(Reader(warehouse), "2026-01")}
    docs = statuses["documents"]
    assert (docs.checked, docs.agreeing, docs.unreconciled) == (2, 0, Decimal("930.10"))
    assert docs.exceptions == 2  # amount_mismatch and missing_in_sage100 of January
    tb = statuses["GL trial balance"]
    assert (tb.checked, tb.agreeing, tb.unreconciled) == (2, 0, Decimal("1013.44"))
    assert tb.exceptions == 1  # the unbalanced journal
    opens = statuses["open items"]  # the ledger's two open items against Sage 100's balances
    assert (opens.checked, opens.agreeing, opens.unreconciled) == (2, 0, Decimal("930.10"))
    master = statuses["master data"]
    assert (master.checked, master.agreeing, master.unreconciled) == (2, 1, None)
    inventory = statuses["inventory"]
    assert (inventory.checked, inventory.agreeing, inventory.unreconciled) == (1, 0, Decimal("2.00"))


def test_area_status_february_and_all_periods(warehouse: Path) -> None:
    feb = {s.area: s for s in overview.area_status(Reader(warehouse), "2026-02")}
    assert (feb["documents"].checked, feb["documents"].agreeing) == (2, 1)
    assert feb["documents"].match_rate == 0.5
    assert (feb["payments"].checked, feb["payments"].agreeing, feb["payments"].unreconciled) == (
        3,
        2,
        Decimal("500.00"),
    )
    every = {s.area: s for s in overview.area_status(Reader(warehouse), None)}
    assert every["documents"].checked == 4 and every["documents"].unreconciled == Decimal("1380.10")


def test_charts_data(warehouse: Path) -> None:
    reader = Reader(warehouse)
    by_type = overview.exceptions_by_type(reader, "2026-01")
    assert list(by_type["exception_type"]) == [
        "missing_in_sage100",
        "amount_mismatch",
        "unbalanced_journal",
        "inventory_quantity_mismatch",
        "master_data_mismatch",
    ]
    assert by_type.set_index("exception_type").loc["missing_in_sage100", "amount"] == Decimal("880.10")
    aging = overview.aging(reader)
    assert aging.groupby("system")["amount_due"].sum().to_dict() == {
        "sage100": Decimal("1600.00"),
        "xero": Decimal("2080.10"),
    }
    trend = overview.trend(reader)
    assert set(trend["period"]) == {"2026-01", "2026-02"}
    assert overview.periods(reader) == ["2026-02", "2026-01"]


def test_overview_page_shows_every_area_and_the_charts(warehouse: Path) -> None:
    at = signed_in_app("preparer")
    assert texts(at, "title") == ["Overview"]
    assert at.selectbox(key="overview_period").value == "2026-02"
    at.selectbox(key="overview_period").select("2026-01").run()
    markdown = " ".join(texts(at, "markdown"))
    for area in ("Documents", "Payments", "Open items", "GL trial balance", "Master data", "Inventory"):
        assert f"**{area}**" in markdown
    rates = {m.label: m.value for m in at.metric}
    assert rates["Match rate"] in {"0.0%", "50.0%", "100.0%"}
    captions = " ".join(texts(at, "caption"))
    assert "Unreconciled 930.10 · 2 exceptions · 2 checked (period)" in captions
    assert len(at.get("vega_lite_chart")) == 3
