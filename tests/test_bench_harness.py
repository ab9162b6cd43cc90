"""The benchmark harness's plumbing on tiny inputs (the benchmarks themselves never run in the tests):
child measurement, results merging and rendering, the README table, the paging minimum, the references."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tieout import bench

ROOT = Path(__file__).resolve().parent.parent


def test_run_child_measures_time_and_peak_memory(tmp_path: Path) -> None:
    code = "import json, time; b = bytearray(80 * 1024 * 1024); time.sleep(0.2); print(json.dumps({'ok': 1}))"
    run = bench.run_child([sys.executable, "-c", code], env={}, log=tmp_path / "child.log")
    assert run.returncode == 0
    assert run.seconds >= 0.2
    assert run.max_rss_mb > 80  # the child's own peak, not the parent's
    assert run.load_during is not None and run.load_during >= 0  # the machine's load while it ran
    assert bench.last_json_line(run.log) == {"ok": 1}


def test_run_child_failure_names_the_log(tmp_path: Path) -> None:
    with pytest.raises(bench.BenchError, match="exit 3") as info:
        code = "import sys; print('boom'); sys.exit(3)"
        bench.run_child([sys.executable, "-c", code], env={}, log=tmp_path / "x.log")
    assert "boom" in str(info.value) and str(tmp_path / "x.log") in str(info.value)


def _figure(metric: str, value: float, **kw: object) -> bench.Figure:
    return bench.Figure("medium", "xero", "build", metric, value, "s", **kw)  # type: ignore[arg-type]


def test_results_merge_render_and_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n## Benchmarks\n\n{bench.README_START}\nold\n{bench.README_END}\n\n## Next\n")
    bench.write_outputs(tmp_path, [_figure("full build time", 200.0, target="~120 s", met=False)], readme)
    data = bench.write_outputs(
        tmp_path,
        [
            _figure("full build time", 150.5, target="~120 s", met=False, runs=[150.5], load_avg=[1, 2, 3.0]),
            bench.Figure("large", "xero", "build", "full build peak memory", 3000.0, "MB", "< 4096 MB", True),
        ],
        readme,
    )
    stored = json.loads((tmp_path / "results.json").read_text())
    assert stored == data
    assert {"cpu", "cores", "ram_gb", "os", "python", "duckdb", "dbt_core"} <= set(stored["machine"])
    assert [(f["size"], f["metric"], f["value"]) for f in stored["figures"]] == [
        ("medium", "full build time", 150.5),  # the newer figure replaced the older one of its key
        ("large", "full build peak memory", 3000.0),
    ]
    for f in stored["figures"]:
        assert {"unit", "target", "met", "runs", "load_avg", "measured_at"} <= set(f)
    table = (tmp_path / "results.md").read_text()
    row = "| medium | xero | build | full build time | 150.5 | s | ~120 s | **no** | 150.5 | – | 1 / 2 / 3.00"
    assert row in table
    assert "| large | xero | build | full build peak memory | 3,000 | MB | < 4096 MB | yes |" in table
    text = readme.read_text()
    assert "old" not in text and "full build peak memory" in text and text.endswith("## Next\n")
    assert "cores" in text  # the machine line comes with the table


def test_update_readme_without_markers_changes_nothing(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    assert bench.update_readme(readme, "table") is False
    assert readme.read_text() == "# no markers\n"


def _records(n: int, key: str) -> list[dict[str, object]]:
    return [{key: f"id-{i}"} for i in range(n)]


def test_xero_minimum_calls_follows_page_sizes(tmp_path: Path) -> None:
    xero = tmp_path / "xero"
    xero.mkdir()
    (xero / "Invoices.json").write_text(json.dumps({"Invoices": _records(2500, "InvoiceID")}))
    (xero / "Contacts.json").write_text(json.dumps({"Contacts": _records(1000, "ContactID")}))
    (xero / "Journals.json").write_text(json.dumps({"Journals": _records(300, "JournalID")}))
    minimum = bench.xero_minimum_calls(tmp_path)
    assert minimum["invoices"] == 3  # 1000 a page
    assert minimum["contacts"] == 1  # exactly one full page: pageCount says there is no more
    assert minimum["journals"] == 4  # 100 a call, and the short (empty) answer that ends offset paging
    assert minimum["payments"] == 1  # nothing to load still takes one call
    assert minimum["accounts"] == 1  # unpaged


@pytest.fixture
def recon_inputs(tmp_path: Path) -> Path:
    """The two intermediate tables the references read, with known matches."""
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_recon__payments (payment_id varchar, payment_system varchar, "
            "party_key varchar, payment_date date, currency_code varchar, amount decimal(18,2), "
            "payment_text varchar)"
        )
        con.execute(
            "create table intermediate.int_recon__documents (document_key varchar, system varchar, "
            "document_type varchar, party_key varchar, issue_date date, currency_code varchar, "
            "total_amount decimal(18,2), number_tail varchar)"
        )
        con.execute(
            """insert into intermediate.int_recon__documents values
            ('d1', 'xero', 'sales_invoice', 'c1', '2025-01-05', 'GBP', 100.00, '42'),
            ('d2', 'xero', 'sales_invoice', 'c2', '2025-01-06', 'GBP', 250.10, '43'),
            ('d3', 'xero', 'sales_invoice', 'c2', '2025-03-01', 'GBP', 250.10, '44'),
            ('d4', 'xero', 'sales_credit_note', 'c1', '2025-01-05', 'GBP', 100.00, '42')"""
        )
        con.execute(
            """insert into intermediate.int_recon__payments values
            ('p1', 'xero', 'c1', '2025-01-20', 'GBP', 100.00, 'Inv INV-0042'),
            ('p2', 'xero', 'c2', '2025-01-20', 'GBP', 250.10, 'thank you'),
            ('p3', 'xero', 'c3', '2025-01-20', 'GBP', 5.00, 'INV-0042'),
            ('p4', 'sage100', 'c1', '2025-01-20', 'GBP', 100.00, '42')"""
        )
    return path


def _script(name: str, warehouse: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_reference_scripts_match_by_reference_and_by_amount(recon_inputs: Path) -> None:
    lower = _script("reference_duckdb.py", recon_inputs)
    # p1 names INV-0042 of its own party; p3 names it too but is another party; p4 is another system
    assert (lower["payments"], lower["items"], lower["matches"]) == (4, 3, 1)
    assert float(lower["seconds"]) >= 0  # type: ignore[arg-type]
    pandas = _script("reference_pandas.py", recon_inputs)
    assert pandas["reference_matches"] == 1  # p1 -> d1
    assert pandas["amount_matches"] == 1  # p2 -> d2 (d3 is dated after the payment's 10-day window)
    assert {"read_seconds", "seconds", "payments", "items"} <= set(pandas)


def test_unknown_step_is_refused(tmp_path: Path) -> None:
    options = bench.BenchOptions(steps=("load", "warp"), out_dir=tmp_path, readme=None, work=tmp_path)
    with pytest.raises(bench.BenchError, match="unknown step"):
        bench.run_bench(options, echo=lambda _: None)


def test_top_nodes_note_names_the_slowest_and_the_failures() -> None:
    results = {
        "elapsed_time": 12.34,
        "results": [
            {"unique_id": "model.tieout.fast", "execution_time": 0.5, "status": "success"},
            {"unique_id": "model.tieout.slow", "execution_time": 9.0, "status": "success"},
            {"unique_id": "test.tieout.assert_x.abc123", "execution_time": 2.0, "status": "fail"},
        ],
    }
    note = bench.top_nodes_note(results, n=2)
    assert note == "dbt execution 12.3s; slowest: slow 9.0s, assert_x 2.0s; FAILED: assert_x"
