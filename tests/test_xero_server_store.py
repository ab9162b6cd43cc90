"""The scenario stores: streaming file reads and big tables kept only as bytes behave like small ones."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from sandbox.xero import jsonstream
from sandbox.xero.jsonstream import JsonShapeError, iter_records
from sandbox.xero.store import Table
from tests.test_xero_server_fixtures import MINI_KASHFLOW, MINI_XERO, running_xero, scenario_records


@pytest.mark.parametrize("chunk", [3, 64, 1 << 22])
def test_streamed_records_equal_a_full_parse_at_any_chunk_size(monkeypatch, chunk, tmp_path: Path):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    for path in [
        *sorted((MINI_XERO / "xero").glob("*.json")),
        *sorted((MINI_KASHFLOW / "kashflow").glob("*.json")),
    ]:
        body = json.loads(path.read_text())
        expected = body if isinstance(body, list) else next(v for v in body.values() if isinstance(v, list))
        found: dict[str, str] = {}
        assert list(iter_records(path, found)) == expected, path
    odd = tmp_path / "odd.json"
    odd.write_text(
        '{"Id": "x", "Warnings": [], "pagination": {"page": 1}, "Things": [{"a": 12345, "n": "Zoë"}, '
        '{"a": -0.5e3}], "tail": 1}'
    )
    found = {}
    assert list(iter_records(odd, found)) == [{"a": 12345, "n": "Zoë"}, {"a": -500.0}]
    assert found["key"] == "Things"


def test_malformed_files_are_reported(tmp_path: Path):
    for text, message in [
        ('{"Invoices": [{"a": 1}, {"a": }]}', "not valid JSON"),
        ('{"Invoices": [1, 2]}', "must be a JSON object"),
        ('{"Count": 3}', "no list of records"),
        ('"just text"', "object or list"),
    ]:
        path = tmp_path / "bad.json"
        path.write_text(text)
        with pytest.raises(JsonShapeError, match=message):
            list(iter_records(path))


def test_a_broken_scenario_file_names_the_file(tmp_path: Path):
    from sandbox.xero.store import ScenarioError, load_tenant

    (tmp_path / "xero").mkdir()
    (tmp_path / "xero" / "Invoices.json").write_text('{"Invoices": [{"InvoiceID": "1"},')
    with pytest.raises(ScenarioError, match="Invoices.json"):
        load_tenant(tmp_path)


def test_tables_kept_only_as_bytes_serve_filter_and_write_the_same(monkeypatch):
    monkeypatch.setattr(Table, "KEEP_PARSED", 0)
    invoices = scenario_records("Invoices")
    with running_xero() as xero:
        table = xero.sandbox.tenants[xero.tenant_id.lower()].tables["invoices"]
        assert table._parsed is None
        pages = [xero.get("Invoices", page=p, pageSize=11).json()["Invoices"] for p in (1, 2, 3)]
        assert sum(pages, []) == invoices
        paid = xero.get("Invoices", where='Status=="PAID"', order="Total DESC").json()["Invoices"]
        assert paid == sorted((i for i in invoices if i["Status"] == "PAID"), key=lambda i: -i["Total"])
        invoice = xero.get(
            "Invoices", where='Status=="AUTHORISED" AND AmountPaid==0 AND Date>DateTime(2026,2,1)'
        )
        invoice = next(i for i in invoice.json()["Invoices"] if i["CurrencyCode"] == "USD")
        payment = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": "090"},
            "Date": "2026-03-03",
            "Amount": str(invoice["AmountDue"]),
        }
        assert xero.put("Payments", {"Payments": [payment]}).status_code == 200
        after = xero.get(f"Invoices/{invoice['InvoiceNumber']}").json()["Invoices"][0]
        assert after["Status"] == "PAID" and Decimal(str(after["AmountPaid"])) == Decimal(
            str(invoice["Total"])
        )
        other = xero.get(
            "Invoices", where='Status=="AUTHORISED" AND AmountPaid==0 AND Date>DateTime(2026,2,1)'
        )
        target = other.json()["Invoices"][0]
        offset = xero.get("Journals", offset=10_000).json()["Journals"]
        assert offset == []
        last = table_last_number(xero)
        assert (
            xero.post(f"Invoices/{target['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]}).status_code
            == 200
        )
        (reversal,) = xero.get("Journals", offset=last).json()["Journals"]
        assert reversal["SourceID"] == target["InvoiceID"]


def table_last_number(xero) -> int:
    return xero.sandbox.tenants[xero.tenant_id.lower()].tables["journals"].max_number


def test_paging_ten_thousand_invoices_a_thousand_at_a_time_is_fast(tmp_path: Path):
    scenario = tmp_path / "bigger"
    shutil.copytree(MINI_XERO, scenario)
    template = scenario_records("Invoices")
    invoices = [
        {
            **template[n % len(template)],
            "InvoiceID": str(uuid.UUID(int=n + 1)),
            "InvoiceNumber": f"INV-{n:06d}",
        }
        for n in range(10_000)
    ]
    (scenario / "xero" / "Invoices.json").write_text(json.dumps({"Invoices": invoices}))
    started = time.perf_counter()
    with running_xero(scenario) as xero:
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        bodies = [xero.get("Invoices", page=page, pageSize=1000).content for page in range(1, 11)]
        paged = time.perf_counter() - started
    numbers = [i["InvoiceNumber"] for body in bodies for i in orjson.loads(body)["Invoices"]]
    assert numbers == [i["InvoiceNumber"] for i in invoices]
    assert loaded < 5 and paged < 5, (loaded, paged)  # about 0.5 s and 0.2 s on 2 cores
