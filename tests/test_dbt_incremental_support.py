"""Helpers for the incremental-model tests: change ~1% of a loaded warehouse's raw documents the way a
dlt merge of changed source records does (the rows rewritten with a newer ``_dlt_load_id``, nested rows
written again with their parent), and compare two warehouses' core tables row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb

CORE_INCREMENTAL = ("documents", "document_lines", "payments", "gl_entries")
#: the recon models computed whole that write only the rows that changed (strategy replace_changed)
REPLACE_CHANGED = (
    "intermediate.int_recon__native_allocations",
    "intermediate.int_recon__payments",
    "intermediate.int_recon__payment_pairs",
    "intermediate.int_recon__document_pairs",
    "intermediate.int_recon__inferred_allocations",
    "intermediate.int_recon__open_items",
    "intermediate.int_documents__links",
    "recon.payment_matches",
    "recon.document_tieout",
)
#: the incremental recon models and the tie-out built from them ("schema.table"; a bare name is in core)
RECON_INCREMENTAL = (
    "intermediate.int_recon__documents",
    "intermediate.int_recon__document_candidates",
    "recon.exceptions",
    *REPLACE_CHANGED,
)
EDITED = " || ' (edited)'"


def newer_load_id(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    newest = con.execute(f"select max(cast(_dlt_load_id as double)) from {schema}.{table}").fetchall()[0][0]
    return f"{float(newest) + 3600:.6f}"


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])


def _change_xero(con: duckdb.DuckDBPyConnection, every: int) -> dict[str, int]:
    load = newer_load_id(con, "raw_xero", "invoices")
    con.execute(
        "create temp table picked as select invoice_id, _dlt_id, "
        f"(row_number() over (order by invoice_id)) // {every} as n from raw_xero.invoices "
        f"qualify (row_number() over (order by invoice_id)) % {every} = 0"
    )
    counts = {"xero invoices": _count(con, "select count(*) from picked")}
    con.execute(
        f"update raw_xero.invoices as i set reference = coalesce(reference, ''){EDITED}, _dlt_load_id = ? "
        "from picked as p where p.invoice_id = i.invoice_id",
        [load],
    )
    # one line's amount edited on every other picked invoice (the header totals follow)
    con.execute(
        "create temp table edited as select p.invoice_id, p._dlt_id, min(l._dlt_list_idx) as idx "
        "from picked as p join raw_xero.invoices__line_items as l on l._dlt_parent_id = p._dlt_id "
        "where p.n % 2 = 0 group by all"
    )
    con.execute(
        "update raw_xero.invoices__line_items as l set line_amount = line_amount + 10, "
        "unit_amount = (line_amount + 10) / nullif(quantity, 0) from edited as e "
        "where l._dlt_parent_id = e._dlt_id and l._dlt_list_idx = e.idx"
    )
    con.execute(
        "update raw_xero.invoices as i set sub_total = sub_total + 10, total = total + 10, "
        "amount_due = amount_due + 10 from edited as e where e.invoice_id = i.invoice_id"
    )
    # some voided (posted, then reversed) and some deleted (no postings at all)
    counts["xero invoices voided or deleted"] = _count(
        con,
        "update raw_xero.invoices as i "
        "set status = case when p.n % 3 = 0 then 'VOIDED' else 'DELETED' end "
        "from picked as p where p.invoice_id = i.invoice_id and p.n % 5 = 0",
    )
    con.execute(
        "create temp table picked_pay as select payment_id, "
        f"(row_number() over (order by payment_id)) // {every} as n from raw_xero.payments "
        f"qualify (row_number() over (order by payment_id)) % {every} = 1"
    )
    counts["xero payments"] = _count(
        con,
        f"update raw_xero.payments as p set reference = coalesce(reference, ''){EDITED}, _dlt_load_id = ?, "
        "status = case when k.n % 7 = 3 then 'DELETED' else p.status end "
        "from picked_pay as k where k.payment_id = p.payment_id",
        [load],
    )
    counts["xero credit notes"] = _count(
        con,
        f"update raw_xero.credit_notes set reference = coalesce(reference, ''){EDITED}, _dlt_load_id = ? "
        "where credit_note_id = (select min(credit_note_id) from raw_xero.credit_notes)",
        [load],
    )
    return counts


def _change_kashflow(con: duckdb.DuckDBPyConnection, every: int) -> dict[str, int]:
    load = newer_load_id(con, "raw_kashflow", "invoices")
    counts = {
        "kashflow invoices": _count(
            con,
            "update raw_kashflow.invoices "
            f"set customer_reference = coalesce(customer_reference, ''){EDITED}, _dlt_load_id = ? "
            f"where hash(id) % {every} = 0",
            [load],
        )
    }
    # a payment line removed from some of them (its postings must go too)
    counts["kashflow payment lines removed"] = _count(
        con,
        "delete from raw_kashflow.invoices__payment_lines where _dlt_list_idx = 0 and _dlt_parent_id in "
        f"(select _dlt_id from raw_kashflow.invoices where hash(id) % {every * 3} = 0)",
    )
    # some unpaid invoices deleted in KashFlow: the loader marks their raw rows (_deleted_at, its load id)
    con.execute("alter table raw_kashflow.invoices add column if not exists _deleted_at timestamp")
    counts["kashflow invoices deleted"] = _count(
        con,
        "update raw_kashflow.invoices set _deleted_at = timestamp '2026-01-05 10:00:00', _dlt_load_id = ? "
        f"where hash(id) % {every * 2} = 1 and _dlt_id not in "
        "(select _dlt_parent_id from raw_kashflow.invoices__payment_lines)",
        [load],
    )
    counts["kashflow purchases"] = _count(
        con,
        f"update raw_kashflow.purchases set _dlt_load_id = ? where hash(id) % {every} = 0",
        [load],
    )
    return counts


def _change_sage100(con: duckdb.DuckDBPyConnection, every: int) -> dict[str, int]:
    load = newer_load_id(con, "raw_sage100", "gl_detail_posting")
    return {
        "sage100 AR headers": _count(
            con,
            f"update raw_sage100.ar_invoice_history_header set comment = coalesce(comment, ''){EDITED}, "
            f"_dlt_load_id = ? where hash(invoice_no) % {every} = 0",
            [load],
        ),
        "sage100 GL postings": _count(
            con,
            "update raw_sage100.gl_detail_posting "
            f"set posting_comment = coalesce(posting_comment, ''){EDITED}, _dlt_load_id = ? "
            f"where hash(sequence_no || journal_register_no) % {every} = 0",
            [load],
        ),
        "sage100 receipts": _count(
            con,
            "update raw_sage100.ar_cash_receipts_history set _dlt_load_id = ? "
            f"where hash(deposit_no) % {every} = 0",
            [load],
        ),
    }


def change_one_percent(warehouse: Path | str, ledger: str, every: int = 100) -> dict[str, int]:
    """Rewrite every ``every``-th document of the ledger and of Sage 100 (and some payments and GL
    postings) with a newer load id: references and amounts edited, some documents voided or deleted,
    payments deleted, a payment line removed. Returns how many raw rows each change touched."""
    with duckdb.connect(str(warehouse)) as con:
        counts = _change_xero(con, every) if ledger == "xero" else _change_kashflow(con, every)
        counts.update(_change_sage100(con, every))
    return counts


def _schema_and_name(table: str) -> tuple[str, str]:
    """``schema.table``, or a bare core table name."""
    schema, _, name = table.rpartition(".")
    return schema or "core", name


def core_differences(
    incremental: Path | str, full: Path | str, tables: tuple[str, ...] = CORE_INCREMENTAL
) -> dict[str, tuple[int, int, int]]:
    """Rows of each table (``schema.table``, core when bare) found in one warehouse and not the other (every
    column but ``_built_at`` compared, by name): ``{table: (only_in_incremental, only_in_full, rows)}``. Each
    warehouse is read through its own connection (either may still be open in this process, e.g. by dbt)."""
    out = {}
    with duckdb.connect(str(incremental)) as con_a, duckdb.connect(str(full)) as con_b:
        mem = duckdb.connect()
        for table in tables:
            schema, name = _schema_and_name(table)
            cols = [
                r[0]
                for r in con_b.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if r[0] != "_built_at"
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            a = con_a.sql(f"select {select} from {schema}.{name}").to_arrow_table()
            b = con_b.sql(f"select {select} from {schema}.{name}").to_arrow_table()
            mem.register("a", a)
            mem.register("b", b)
            out[table] = (
                _count(mem, "select count(*) from (select * from a except all select * from b)"),
                _count(mem, "select count(*) from (select * from b except all select * from a)"),
                a.num_rows,
            )
            mem.unregister("a")
            mem.unregister("b")
        mem.close()
    return out


def rows_rewritten(
    warehouse: Path | str, tables: tuple[str, ...] = CORE_INCREMENTAL
) -> dict[str, tuple[int, int]]:
    """Per table (``schema.table``, core when bare): (rows the last run wrote, rows in the table), from
    ``_built_at``: the rows written when core's documents last were (a run that changed documents)."""
    out = {}
    with duckdb.connect(str(warehouse)) as con:
        for table in tables:
            qualified = ".".join(_schema_and_name(table))
            newest = "(select max(_built_at) from core.documents)"
            out[table] = con.execute(
                f"select count(*) filter (where _built_at = {newest}), count(*) from {qualified}"
            ).fetchall()[0]
    return out
