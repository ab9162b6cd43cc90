"""Helpers for the incremental-model tests: change ~1% of a loaded warehouse's raw documents the way a
dlt merge of changed source records does (the rows rewritten with a newer ``_dlt_load_id``, nested rows
written again with their parent), and compare two warehouses' core tables row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb

CORE_INCREMENTAL = ("documents", "document_lines", "payments", "gl_entries")


def _newer_load_id(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    newest = con.execute(f"select max(cast(_dlt_load_id as double)) from {schema}.{table}").fetchone()[0]
    return f"{float(newest) + 3600:.6f}"


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def change_one_percent(warehouse: Path | str, ledger: str, every: int = 100) -> dict[str, int]:
    """Rewrite every ``every``-th document of the ledger and of Sage 100 (and some payments and GL
    postings) with a newer load id: references and amounts edited, some documents voided or deleted
    (their postings must go), one line added to some. Returns how many raw rows each change touched."""
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse)) as con:

        if ledger == "xero":
            load = _newer_load_id(con, "raw_xero", "invoices")
            con.execute(
                "create temp table picked as select invoice_id, _dlt_id, status, "
                "row_number() over (order by invoice_id) as n from raw_xero.invoices "
                f"qualify n % {every} = 0"
            )
            counts["xero invoices"] = con.execute("select count(*) from picked").fetchone()[0]
            con.execute(
                "update raw_xero.invoices as i set reference = coalesce(reference, '') || ' (edited)', "
                "_dlt_load_id = ? from picked p where p.invoice_id = i.invoice_id",
                [load],
            )
            # an amount edited on one line of every other picked invoice (header totals follow)
            con.execute(
                "create temp table edited as select p.invoice_id, p._dlt_id, min(l._dlt_list_idx) as idx "
                "from picked p join raw_xero.invoices__line_items l on l._dlt_parent_id = p._dlt_id "
                "where p.n % 2 = 0 group by all"
            )
            con.execute(
                "update raw_xero.invoices__line_items as l set line_amount = line_amount + 10, "
                "unit_amount = (line_amount + 10) / nullif(quantity, 0) from edited e "
                "where l._dlt_parent_id = e._dlt_id and l._dlt_list_idx = e.idx"
            )
            con.execute(
                "update raw_xero.invoices as i set sub_total = sub_total + 10, total = total + 10, "
                "amount_due = amount_due + 10 from edited e where e.invoice_id = i.invoice_id"
            )
            # some voided (posted, then reversed) and some deleted (no postings at all)
            con.execute(
                "update raw_xero.invoices as i set status = case when p.n % 3 = 0 then 'VOIDED' else 'DELETED' end "
                "from picked p where p.invoice_id = i.invoice_id and p.n % 5 = 0 and i.status = 'DRAFT' is not true"
            )
            con.execute(
                "create temp table picked_pay as select payment_id, row_number() over (order by payment_id) as n "
                f"from raw_xero.payments qualify n % {every} = 1"
            )
            counts["xero payments"] = con.execute("select count(*) from picked_pay").fetchone()[0]
            con.execute(
                "update raw_xero.payments as p set reference = coalesce(reference, '') || ' (edited)', "
                "_dlt_load_id = ?, status = case when k.n % 7 = 1 then 'DELETED' else p.status end "
                "from picked_pay k where k.payment_id = p.payment_id",
                [load],
            )
            if _has(con, "raw_xero", "credit_notes"):
                counts["xero credit notes"] = con.execute(
                    "update raw_xero.credit_notes set reference = coalesce(reference, '') || ' (edited)', "
                    "_dlt_load_id = ? where credit_note_id = (select min(credit_note_id) from raw_xero.credit_notes)",
                    [load],
                ).fetchone()[0]
        else:
            load = _newer_load_id(con, "raw_kashflow", "invoices")
            counts["kashflow invoices"] = con.execute(
                "update raw_kashflow.invoices set customer_reference = coalesce(customer_reference, '') || ' (edited)', "
                f"_dlt_load_id = ? where hash(id) % {every} = 0",
                [load],
            ).fetchone()[0]
            # a payment line removed from some of them (its postings must go too)
            counts["kashflow payment lines removed"] = con.execute(
                "delete from raw_kashflow.invoices__payment_lines where _dlt_list_idx = 0 and _dlt_parent_id in "
                f"(select _dlt_id from raw_kashflow.invoices where hash(id) % {every * 3} = 0)"
            ).fetchone()[0]
            counts["kashflow purchases"] = con.execute(
                "update raw_kashflow.purchases set _dlt_load_id = ? "
                f"where hash(id) % {every} = 0",
                [load],
            ).fetchone()[0]

        sage_load = _newer_load_id(con, "raw_sage100", "gl_detail_posting")
        counts["sage100 AR headers"] = con.execute(
            "update raw_sage100.ar_invoice_history_header set comment = coalesce(comment, '') || ' (edited)', "
            f"_dlt_load_id = ? where hash(invoice_no) % {every} = 0",
            [sage_load],
        ).fetchone()[0]
        counts["sage100 GL postings"] = con.execute(
            "update raw_sage100.gl_detail_posting set posting_comment = coalesce(posting_comment, '') || ' (edited)', "
            f"_dlt_load_id = ? where hash(sequence_no || journal_register_no) % {every} = 0",
            [sage_load],
        ).fetchone()[0]
        counts["sage100 receipts"] = con.execute(
            f"update raw_sage100.ar_cash_receipts_history set _dlt_load_id = ? where hash(deposit_no) % {every} = 0",
            [sage_load],
        ).fetchone()[0]
    return counts


def core_differences(incremental: Path | str, full: Path | str, tables: tuple[str, ...] = CORE_INCREMENTAL) -> dict:
    """Rows of each core table found in one warehouse and not the other (every column compared, by name):
    ``{table: (only_in_incremental, only_in_full, rows)}``."""
    out = {}
    with duckdb.connect(str(incremental)) as con:
        con.execute(f"attach '{full}' as full_build (read_only)")
        for table in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_catalog = 'full_build' "
                    "and table_schema = 'core' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            select = ", ".join(f'"{c}"' for c in cols if c != "_built_at")
            a = f"select {select} from core.{table}"
            b = f"select {select} from full_build.core.{table}"
            only_a = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
            only_b = con.execute(f"select count(*) from ({b} except all {a})").fetchone()[0]
            rows = con.execute(f"select count(*) from core.{table}").fetchone()[0]
            out[table] = (only_a, only_b, rows)
    return out


def rows_rewritten(warehouse: Path | str, tables: tuple[str, ...] = CORE_INCREMENTAL) -> dict[str, tuple[int, int]]:
    """Per core table: (rows the last run wrote, rows in the table), from ``_built_at``."""
    out = {}
    with duckdb.connect(str(warehouse)) as con:
        for table in tables:
            out[table] = con.execute(
                f"select count(*) filter (where _built_at = (select max(_built_at) from core.{table})), count(*) "
                f"from core.{table}"
            ).fetchone()
    return out
