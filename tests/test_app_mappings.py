"""Mappings page: accept a suggested mapping or correct it; the decision is audited and written to the
account_map seed the next build reads."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.test_app_support import click, frame_with, make_warehouse, signed_in_app, texts
from writeback import audit
from writeback.warehouse import connect


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    monkeypatch.setenv("TIEOUT_ACCOUNT_MAP", str(tmp_path / "account_map.csv"))
    return path


def seed_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_accept_a_suggestion_and_correct_another(warehouse: Path, tmp_path: Path) -> None:
    at = signed_in_app("preparer", "mappings")
    listing = frame_with(at, "mapping_status")
    assert listing["account_code"].tolist() == ["260", "200"]  # weakest suggestion first
    at.selectbox(key="map_account").select("xero:200").run()
    assert at.selectbox(key="map_pick_xero:200").value.startswith("4000-00-00")
    at = click(at, "Accept the suggestion")
    assert texts(at, "success")[0].startswith("xero 200 -> 4000-00-00 confirmed by preparer")
    at.selectbox(key="map_account").select("xero:260").run()
    at.selectbox(key="map_pick_xero:260").select("4010-00-00 — Other Revenue")
    at.text_input(key="map_note").input("other income, not product sales")
    click(at, "Accept the suggestion")
    rows = seed_rows(tmp_path / "account_map.csv")
    assert [
        (r["system"], r["source_account_code"], r["sage100_account"], r["confirmed_by"]) for r in rows
    ] == [("xero", "200", "4000-00-00", "preparer"), ("xero", "260", "4010-00-00", "preparer")]
    with connect(warehouse) as con:
        assert [e.object for e in audit.entries(con) if e.action == "map_account"] == [
            "account:xero:200",
            "account:xero:260",
        ]
        suggested = con.execute(
            "select source_account_code, suggested_account, sage100_account "
            "from ops.mapping_decisions order by 1"
        ).fetchall()
    assert suggested == [("200", "4000-00-00", "4000-00-00"), ("260", "4000-00-00", "4010-00-00")]
