"""The KashFlow loader against the KashFlow sandbox server, into a real DuckDB warehouse."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from dlt_pipelines.kashflow.client import KashflowError, memorable_letters
from sandbox.faults import FaultSpec
from sandbox.kashflow.config import KashflowConfig
from sandbox.serve import start_kashflow
from tests.test_load_xero_support import (
    generated_scenario,
    query,
    scenario_records,
    table_counts,
    variant_columns,
)
from tieout.load import run_load

pytestmark = pytest.mark.integration

TABLES = [
    "customers",
    "suppliers",
    "invoices",
    "purchases",
    "nominals",
    "products",
    "bankaccounts",
    "banktransactions",
    "journals",
]


def _load(warehouse: Path, monkeypatch, handle, **extra):
    monkeypatch.setenv("SOURCES__KASHFLOW__BASE_URL", f"{handle.url}/v2")
    monkeypatch.setenv("SOURCES__KASHFLOW__RETRY_INITIAL_WAIT", "0.01")
    monkeypatch.setenv("SOURCES__KASHFLOW__RETRY_MAX_WAIT", "0.2")
    for key, value in extra.items():
        monkeypatch.setenv(f"SOURCES__KASHFLOW__{key.upper()}", str(value))
    lines: list[str] = []
    report = run_load("kashflow", warehouse=warehouse, echo=lines.append, progress_interval=0)
    return report.results[0], lines


def _expected(scenario: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        records = scenario_records(scenario / "kashflow" / f"{table}.json")
        counts[table] = len(records)
    for table in ("invoices", "purchases"):
        records = scenario_records(scenario / "kashflow" / f"{table}.json")
        counts[f"{table}__line_items"] = sum(len(r.get("LineItems") or []) for r in records)
        counts[f"{table}__payment_lines"] = sum(len(r.get("PaymentLines") or []) for r in records)
    return counts


def test_full_load_matches_scenario_counts_and_sums(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=150)
    warehouse = tmp_path / "w.duckdb"
    with start_kashflow(scenario, KashflowConfig()) as handle:
        result, lines = _load(warehouse, monkeypatch, handle, per_page=100)
        calls = handle.app.state.sandbox.stats()["calls"]
        assert result.status == "ok", result.message
        counts = table_counts(warehouse, "raw_kashflow")
        for table, count in _expected(scenario).items():
            assert counts.get(table, 0) == count, table
        for table in ("invoices", "purchases"):
            records = scenario_records(scenario / "kashflow" / f"{table}.json")
            gross = sum((Decimal(str(r["GrossAmount"])) for r in records), Decimal("0"))
            assert (
                Decimal(query(warehouse, f"select sum(gross_amount) from raw_kashflow.{table}")[0][0])
                == gross
            )
            lines_total = sum(
                (
                    Decimal(str(li["Rate"])) * Decimal(str(li["Quantity"]))
                    for r in records
                    for li in r["LineItems"]
                ),
                Decimal("0"),
            )
            loaded = query(warehouse, f"select sum(rate * quantity) from raw_kashflow.{table}__line_items")[
                0
            ][0]
            assert Decimal(loaded) == lines_total
        # one list call per page, one document call per invoice for its lines and payment lines
        invoices = len(scenario_records(scenario / "kashflow" / "invoices.json"))
        assert calls["GET invoices"] == invoices + -(-invoices // 100)
        assert any("kashflow invoices:" in line and "rows read" in line for line in lines)
        # the summary: rows per table, API calls, 429s, retries, quarantined records, duration
        summary = result.summary
        assert summary["rows"]["invoices"] == counts["invoices"]
        assert summary["api_calls"] == sum(calls.values()) and summary["auth_calls"] == 2
        assert (summary["http_429"], summary["retries"], summary["quarantined"]) == (0, 0, 0)
        assert summary["duration_seconds"] > 0
        assert "Load summary" in lines and any("429s met 0" in line for line in lines)
        assert variant_columns(warehouse, "raw_kashflow") == []

        second, _ = _load(warehouse, monkeypatch, handle, per_page=100)
    assert second.status == "ok"
    assert second.summary["rows"] == {}, "a second run must load nothing new"
    assert table_counts(warehouse, "raw_kashflow") == counts
    assert query(warehouse, "select count(*) - count(distinct number) from raw_kashflow.invoices") == [(0,)]


def test_faults_and_session_expiry_do_not_change_counts(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=120)
    faults = FaultSpec.parse("latency=1-3ms,error_rate=0.1,drop_rate=0.08,token_expiry_rate=0.05,seed=5")
    warehouse = tmp_path / "w.duckdb"
    with start_kashflow(scenario, KashflowConfig(faults=faults)) as handle:
        result, _ = _load(warehouse, monkeypatch, handle, retry_attempts=12)
        stats = handle.app.state.sandbox.stats()
    assert result.status == "ok", result.message
    assert stats["faults"].get("token_expiry", 0) >= 1
    assert stats["sessions_started"] >= 2  # signed in again after the session expired
    assert result.summary["retries"] >= 1
    counts = table_counts(warehouse, "raw_kashflow")
    for table, count in _expected(scenario).items():
        assert counts.get(table, 0) == count, table
    assert query(warehouse, "select count(*) - count(distinct number) from raw_kashflow.invoices") == [(0,)]
    # a credit-note application shows on both documents, so a payment line is unique per document
    assert query(
        warehouse,
        "select count(*) - count(distinct (_dlt_root_id, id)) from raw_kashflow.invoices__payment_lines",
    ) == [(0,)]


def test_malformed_documents_are_quarantined(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=60)
    path = scenario / "kashflow" / "invoices.json"
    records = json.loads(path.read_text())
    records[4]["GrossAmount"] = "about 12 quid"
    records[7]["LineItems"][0]["Quantity"] = "three"
    records[9]["IssuedDate"] = "2025-02-30 00:00:00"
    path.write_text(json.dumps(records))
    warehouse = tmp_path / "w.duckdb"
    with start_kashflow(scenario, KashflowConfig()) as handle:
        result, _ = _load(warehouse, monkeypatch, handle)
    assert result.status == "ok"
    assert result.summary["quarantined"] == 3
    assert table_counts(warehouse, "raw_kashflow")["invoices"] == len(records) - 3
    rows = dict(query(warehouse, "select record_key, reason from raw_kashflow._quarantine"))
    assert "'about 12 quid' is text, not a number" in rows[str(records[4]["Number"])]
    assert rows[str(records[7]["Number"])].startswith("LineItems[0].Quantity:")
    assert (
        "IssuedDate" in rows[str(records[9]["Number"])]
        and "not a valid date" in rows[str(records[9]["Number"])]
    )


def test_wrong_memorable_word_fails_with_a_clear_message(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=20)
    with start_kashflow(scenario, KashflowConfig()) as handle:
        result, _ = _load(tmp_path / "w.duckdb", monkeypatch, handle, memorable_word="zzzzzzzzzz")
    assert result.status == "failed"
    assert "check the memorable word in sources.kashflow" in result.message


def test_memorable_letters_picks_requested_positions():
    asked = [{"Position": 1, "Value": ""}, {"Position": 4, "Value": ""}, {"Position": 9, "Value": ""}]
    assert memorable_letters("reconcile", asked) == [
        {"Position": 1, "Value": "r"},
        {"Position": 4, "Value": "o"},
        {"Position": 9, "Value": "e"},
    ]
    with pytest.raises(KashflowError, match="has 3 letters"):
        memorable_letters("abc", [{"Position": 5}])


def test_a_changed_document_is_the_only_one_loaded_again(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=40)
    warehouse = tmp_path / "w.duckdb"
    with start_kashflow(scenario, KashflowConfig()) as handle:
        assert _load(warehouse, monkeypatch, handle)[0].status == "ok"
    before = table_counts(warehouse, "raw_kashflow")
    path = scenario / "kashflow" / "invoices.json"
    records = json.loads(path.read_text())
    records[3]["Status"] = "Paid"
    records[3]["LineItems"][0]["Description"] = "changed in KashFlow"
    path.write_text(json.dumps(records))
    with start_kashflow(scenario, KashflowConfig()) as handle:
        result, _ = _load(warehouse, monkeypatch, handle)
    assert result.status == "ok"
    assert result.summary["rows"]["invoices"] == 1
    assert table_counts(warehouse, "raw_kashflow") == before
    number = records[3]["Number"]
    assert query(warehouse, "select status from raw_kashflow.invoices where number = ?", [number]) == [
        ("Paid",)
    ]
    lines = query(
        warehouse,
        "select l.description from raw_kashflow.invoices__line_items l join raw_kashflow.invoices i "
        "on l._dlt_parent_id = i._dlt_id where i.number = ? order by l.number",
        [number],
    )
    assert lines[0] == ("changed in KashFlow",) and len(lines) == len(records[3]["LineItems"])


def test_a_document_fetch_answering_another_document_loses_nothing(tmp_path, monkeypatch):
    """Regression (medium scenario lost 1,468 invoices): invoice numbers there run past 100,000 and meet
    other invoices' Ids, and ``GET /invoices/{number}`` answered the invoice with that Id. The loader
    merged that document into the summary, so the invoice took the other one's Number and vanished in
    the merge. Now every invoice is loaded with its own lines, or quarantined saying why; none is lost."""
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=40)
    path = scenario / "kashflow" / "invoices.json"
    records = json.loads(path.read_text())
    clash = records[-1]
    clash["Number"] = records[0]["Id"]  # this number is also the first invoice's Id
    path.write_text(json.dumps(records))
    warehouse = tmp_path / "w.duckdb"
    with start_kashflow(scenario, KashflowConfig()) as handle:
        result, _ = _load(warehouse, monkeypatch, handle, per_page=7)
    assert result.status == "ok", result.message
    loaded = {
        number: lines
        for number, lines in query(
            warehouse,
            "select i.number, count(l._dlt_id) from raw_kashflow.invoices i left join "
            "raw_kashflow.invoices__line_items l on l._dlt_parent_id = i._dlt_id group by i.number",
        )
    }
    quarantined = (
        dict(query(warehouse, "select record_key, reason from raw_kashflow._quarantine"))
        if "_quarantine" in table_counts(warehouse, "raw_kashflow")
        else {}
    )
    for record in records:
        number = record["Number"]
        if number in loaded:  # loaded: with its own lines, not another document's
            assert loaded[number] == len(record["LineItems"]), number
        else:
            assert f"instead of {number}" in quarantined[str(number)], number
    assert len(loaded) + len(quarantined) == len(records)
    assert result.summary["quarantined"] == len(quarantined)


def test_deleted_documents_are_marked_and_a_returning_one_is_live_again(tmp_path, monkeypatch):
    """KashFlow has no deleted-records feed: every load reads each list in full, and a key loaded before
    that is no longer listed gets ``_deleted_at`` on its raw row (lines kept); if it comes back it is
    loaded again with no mark."""
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=30)
    warehouse = tmp_path / "w.duckdb"
    invoices_path = scenario / "kashflow" / "invoices.json"
    customers_path = scenario / "kashflow" / "customers.json"
    invoices, customers = json.loads(invoices_path.read_text()), json.loads(customers_path.read_text())
    with start_kashflow(scenario, KashflowConfig()) as handle:
        assert _load(warehouse, monkeypatch, handle)[0].status == "ok"
    before = table_counts(warehouse, "raw_kashflow")
    first_load = query(warehouse, "select max(_dlt_load_id) from raw_kashflow.invoices")[0][0]
    gone_invoice, gone_customer = invoices[5], customers[2]
    invoices_path.write_text(json.dumps([r for r in invoices if r is not gone_invoice]))
    customers_path.write_text(json.dumps([r for r in customers if r is not gone_customer]))
    with start_kashflow(scenario, KashflowConfig()) as handle:
        result, lines = _load(warehouse, monkeypatch, handle)
    assert result.status == "ok", result.message
    assert result.summary["deleted_marked"] == 2
    assert result.summary["resources"]["invoices"]["deleted"] == 1
    assert any("marked deleted 2" in line for line in lines)
    assert table_counts(warehouse, "raw_kashflow") == before  # kept, with its lines, only marked
    marked = query(warehouse, "select number from raw_kashflow.invoices where _deleted_at is not null")
    assert marked == [(gone_invoice["Number"],)]
    # the mark is a change incremental builds see: the row takes this load's id
    (marked_load,) = query(
        warehouse, "select _dlt_load_id from raw_kashflow.invoices where _deleted_at is not null"
    )
    assert float(marked_load[0]) > float(first_load)
    assert query(warehouse, "select code from raw_kashflow.customers where _deleted_at is not null") == [
        (gone_customer["Code"],)
    ]
    stamp = query(warehouse, "select _deleted_at from raw_kashflow.invoices where _deleted_at is not null")
    with start_kashflow(scenario, KashflowConfig()) as handle:  # nothing new: marks stay, none added
        again, _ = _load(warehouse, monkeypatch, handle)
    assert again.summary["rows"] == {} and again.summary["deleted_marked"] == 0
    assert (
        query(warehouse, "select _deleted_at from raw_kashflow.invoices where _deleted_at is not null")
        == stamp
    )
    invoices_path.write_text(json.dumps(invoices))  # restored in KashFlow
    with start_kashflow(scenario, KashflowConfig()) as handle:
        back, _ = _load(warehouse, monkeypatch, handle)
    assert back.status == "ok" and back.summary["rows"]["invoices"] == 1
    assert query(warehouse, "select count(*) from raw_kashflow.invoices where _deleted_at is not null") == [
        (0,)
    ]
    assert query(warehouse, "select count(*) from raw_kashflow.customers where _deleted_at is not null") == [
        (1,)
    ]
    assert table_counts(warehouse, "raw_kashflow") == before


def test_detail_fetches_run_concurrently_but_never_above_max_concurrent(tmp_path):
    """Documents are fetched by a pool of workers, but at most ``max_concurrent`` requests are in flight."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from dlt_pipelines.kashflow.client import KashflowClient
    from dlt_pipelines.kashflow.helpers import with_details
    from dlt_pipelines.kashflow.settings import RESOURCES

    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=24)
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def sent(request: httpx.Request) -> None:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])

    def answered(response: httpx.Response) -> None:
        with lock:
            in_flight[0] -= 1

    faults = FaultSpec.parse("latency=20ms,seed=1")
    with start_kashflow(scenario, KashflowConfig(faults=faults)) as handle:
        client = KashflowClient(
            base_url=f"{handle.url}/v2",
            username="tieout-sandbox",
            password="sandbox-password",
            memorable_word="reconcile",
            max_concurrent=2,
            http=httpx.Client(event_hooks={"request": [sent], "response": [answered]}),
        )
        summaries = next(client.iter_pages("invoices", per_page=24))
        peak[0] = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            done, unreadable = with_details(client, RESOURCES["invoices"], summaries, pool)
        client.close()
    assert peak[0] == 2, "two documents at a time: concurrent, and bounded"
    assert unreadable == [] and len(done) == len(summaries)
    expected = {
        r["Number"]: len(r["LineItems"]) for r in scenario_records(scenario / "kashflow" / "invoices.json")
    }
    assert {d["Number"]: len(d["LineItems"]) for d in done} == expected
