"""The incremental benchmark's 1% change goes through the Xero sandbox like a person's edit in Xero: a
voided (or deleted) invoice cannot be edited, so its UpdatedDateUTC - the date the model reverses a voided
invoice's postings on - never moves, and the bench picks only invoices Xero lets it edit."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.test_xero_server_fixtures import running_xero
from tieout import bench


def test_a_voided_invoice_cannot_be_edited_and_keeps_its_updated_date() -> None:
    with running_xero() as xero:
        voided = xero.get("Invoices", where='Status=="VOIDED"').json()["Invoices"][0]
        refused = xero.post("Invoices", {"Invoices": [{"InvoiceID": voided["InvoiceID"], "Reference": "x"}]})
        assert refused.status_code == 400
        assert "not of valid status for modification" in refused.text
        after = xero.get(f"Invoices/{voided['InvoiceID']}").json()["Invoices"][0]
        assert after["UpdatedDateUTC"] == voided["UpdatedDateUTC"]
        assert after["Reference"] == voided.get("Reference")
        # an invoice that is not voided still takes a new reference, and its UpdatedDateUTC moves
        editable = xero.get("Invoices", where='Status=="AUTHORISED"').json()["Invoices"][0]
        changed = xero.post(
            "Invoices", {"Invoices": [{"InvoiceID": editable["InvoiceID"], "Reference": "edited"}]}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["Invoices"][0]["Reference"] == "edited"


def test_bench_changes_only_invoices_xero_lets_it_edit(tmp_path: Path) -> None:
    warehouse = tmp_path / "raw.duckdb"
    with running_xero() as xero:
        invoices = xero.get("Invoices").json()["Invoices"]
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema raw_xero")
            con.execute("create table raw_xero.invoices (invoice_id varchar, status varchar)")
            con.executemany(
                "insert into raw_xero.invoices values (?, ?)",
                [(i["InvoiceID"], i["Status"]) for i in invoices],
            )
        picked = bench.invoice_ids(warehouse, fraction=0.5)
        statuses = {i["InvoiceID"]: i["Status"] for i in invoices}
        editable = sorted(i for i, s in statuses.items() if s not in ("VOIDED", "DELETED"))
        assert picked == editable[1::2]  # every 2nd editable invoice, in id order
        assert bench.change_xero_invoices(xero.handle.url, picked) == len(picked)
        references = {i["InvoiceID"]: i.get("Reference") for i in xero.get("Invoices").json()["Invoices"]}
        assert all(references[i].startswith("PO") for i in picked)
        # one reference each, as a person's edits would be: no key shared by every changed invoice
        assert len({references[i] for i in picked}) == len(picked)
        voided = next(i for i, s in statuses.items() if s == "VOIDED")
        with pytest.raises(bench.BenchError, match="not of valid status for modification"):
            bench.change_xero_invoices(xero.handle.url, [voided])


def test_incremental_load_reloads_the_tables_the_full_load_loaded(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw_xero")
        for table in ("invoices", "invoices__line_items", "contacts", "_dlt_loads", "payments"):
            con.execute(f"create table raw_xero.{table} (x int)")
    # endpoints only, in the loader's order; no journals since the full load had none
    assert bench.loaded_xero_tables(warehouse) == ["contacts", "invoices", "payments"]
