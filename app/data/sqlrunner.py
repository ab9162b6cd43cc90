"""The SQL page's engine: read-only queries over the warehouse with a row limit and a time limit.

Three layers keep it read-only:

1. DuckDB itself parses the text (``extract_statements``): exactly one statement, and only SELECT (which
   includes WITH, VALUES, FROM-first, DESCRIBE, SHOW, SUMMARIZE), EXPLAIN of a SELECT, and a few
   PRAGMAs that describe tables are accepted; writes, DDL, ATTACH, COPY, INSTALL/LOAD, SET, CALL,
   EXPORT/IMPORT and transactions are refused with a message saying what is allowed.
2. The connection is ``read_only=True`` with ``enable_external_access=false`` (no files, URLs,
   extensions: ``read_csv('/etc/passwd')`` fails) and ``lock_configuration=true`` (no SET can undo it).
3. A timer interrupts the query at the time limit; at most ``row_limit`` rows are fetched.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from app.data.warehouse import Reader, arrow_df

ALLOWED_PRAGMAS = frozenset({"table_info", "show_tables", "show_tables_expanded", "show"})
_EXPLAIN = re.compile(r"^\s*explain(\s+analy[sz]e)?\b", re.IGNORECASE)
_PRAGMA = re.compile(r"^\s*pragma\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)

_REFUSED_WHY = {
    "INSERT": "it would write data",
    "UPDATE": "it would write data",
    "DELETE": "it would write data",
    "CREATE": "it would change the schema (DDL)",
    "DROP": "it would change the schema (DDL)",
    "ALTER": "it would change the schema (DDL)",
    "ATTACH": "ATTACH would open another database or file",
    "DETACH": "DETACH would change the attached databases",
    "COPY": "COPY reads or writes files",
    "COPY_DATABASE": "COPY reads or writes files",
    "EXPORT": "EXPORT writes files",
    "LOAD": "INSTALL / LOAD would load extensions",
    "SET": "SET / RESET / USE would change settings",
    "VARIABLE_SET": "SET VARIABLE would change settings",
    "CALL": "CALL runs procedures",
    "TRANSACTION": "transactions are not needed for reading",
    "PREPARE": "PREPARE / EXECUTE are not supported here",
    "EXECUTE": "PREPARE / EXECUTE are not supported here",
    "VACUUM": "VACUUM would write the database",
    "ANALYZE": "ANALYZE would write statistics",
    "UPDATE_EXTENSIONS": "it would change extensions",
    "MULTI": "PIVOT statements that create helper objects are not supported; use PIVOT inside a SELECT "
    "(e.g. SELECT * FROM (PIVOT t ON col USING sum(x)))",
}

ALLOWED_TEXT = (
    "Only reading is allowed here: SELECT / WITH / VALUES / DESCRIBE / SHOW / SUMMARIZE, EXPLAIN of a "
    "SELECT, and PRAGMA table_info / show_tables."
)


class SqlRefused(ValueError):
    """The statement is not allowed on this page (the message says why and what is)."""


class SqlFailed(RuntimeError):
    """The statement is allowed but did not run (syntax, unknown table, time limit...)."""


@dataclass
class SqlResult:
    """Up to ``row_limit`` rows of one query."""

    frame: pd.DataFrame
    truncated: bool
    seconds: float
    row_limit: int

    @property
    def message(self) -> str:
        rows = len(self.frame)
        text = f"{rows:,} row{'s' if rows != 1 else ''} in {self.seconds:.2f} s"
        if self.truncated:
            text += (
                f"; stopped at the row limit of {self.row_limit:,} — add a WHERE, an aggregate or a LIMIT "
                "to see what you need"
            )
        return text


def _statement_type(statement: duckdb.Statement) -> str:
    return str(statement.type).rsplit(".", 1)[-1].upper()


def check(sql: str) -> str:
    """The single statement of ``sql`` if it may run here; :class:`SqlRefused` / :class:`SqlFailed` if not."""
    text = (sql or "").strip()
    if not text.strip(";").strip():
        raise SqlRefused("write a query first, e.g. SELECT * FROM core.documents LIMIT 10")
    parser = duckdb.connect(":memory:")
    try:
        try:
            statements = parser.extract_statements(text)
        except duckdb.Error as exc:
            raise SqlFailed(f"DuckDB cannot parse it: {exc}") from None
        if len(statements) != 1:
            raise SqlRefused(f"run one statement at a time (found {len(statements)}). {ALLOWED_TEXT}")
        statement = statements[0]
        kind = _statement_type(statement)
        query = statement.query.strip()
        if kind == "SELECT":
            return query
        if kind == "EXPLAIN":
            inner = _EXPLAIN.sub("", query, count=1)
            try:
                inner_statements = parser.extract_statements(inner)
            except duckdb.Error as exc:
                raise SqlFailed(f"DuckDB cannot parse the explained statement: {exc}") from None
            inner_kinds = [_statement_type(s) for s in inner_statements]
            if inner_kinds != ["SELECT"]:
                raise SqlRefused(
                    f"EXPLAIN is allowed for a SELECT only, not {', '.join(inner_kinds)}. " + ALLOWED_TEXT
                )
            return query
        if kind == "PRAGMA":
            found = _PRAGMA.match(query)
            name = found.group(1).lower() if found else "?"
            if name not in ALLOWED_PRAGMAS:
                raise SqlRefused(f"PRAGMA {name} is not allowed here. {ALLOWED_TEXT}")
            return query
        why = _REFUSED_WHY.get(kind, "it is not a read")
        raise SqlRefused(
            f"Refused: {kind.replace('_', ' ')} statements are not allowed here ({why}). {ALLOWED_TEXT}"
        )
    finally:
        parser.close()


def run(reader: Reader, sql: str, *, row_limit: int = 10_000, time_limit: float = 10.0) -> SqlResult:
    """Check and run ``sql`` read-only; at most ``row_limit`` rows, interrupted after ``time_limit`` s."""
    query = check(sql)
    started = time.perf_counter()
    with reader.connect() as con:
        # reads in this process share one DuckDB instance; lock its configuration once (it stays locked
        # until the last connection closes), so no statement can turn external access back on
        if not con.execute("select current_setting('lock_configuration')").fetchall()[0][0]:
            con.execute("set lock_configuration = true")
        cursor = con.cursor()
        timer = threading.Timer(time_limit, cursor.interrupt)
        timer.daemon = True
        timer.start()
        try:
            batches: list[pa.RecordBatch] = []
            count = 0
            relation = cursor.sql(query)
            schema = None
            if relation is not None:
                stream = relation.to_arrow_reader(min(row_limit + 1, 10_000))
                schema = stream.schema
                for batch in stream:
                    batches.append(batch)
                    count += batch.num_rows
                    if count > row_limit:
                        break
        except duckdb.InterruptException:
            raise SqlFailed(
                f"the query ran longer than the time limit of {time_limit:g} s and was stopped: narrow it "
                "(WHERE, LIMIT) or aggregate in SQL"
            ) from None
        except duckdb.PermissionException as exc:
            raise SqlRefused(
                f"Refused: files, URLs and extensions cannot be read from the SQL page ({exc}). Query the "
                "warehouse's tables instead."
            ) from None
        except duckdb.Error as exc:
            raise SqlFailed(str(exc)) from None
        finally:
            timer.cancel()
            cursor.close()
    table = pa.Table.from_batches(batches, schema=schema) if schema is not None else pa.table({})
    truncated = table.num_rows > row_limit
    if truncated:
        table = table.slice(0, row_limit)
    return SqlResult(arrow_df(table), truncated, time.perf_counter() - started, row_limit)


EXAMPLES: dict[str, str] = {
    "Exceptions by type and amount": (
        "SELECT exception_type, severity, count(*) AS exceptions, sum(abs(amount)) AS amount\n"
        "FROM recon.exceptions\nGROUP BY ALL\nORDER BY amount DESC"
    ),
    "Documents that do not tie out": (
        "SELECT system, source_document_number, sage100_invoice_no, status,\n"
        "       source_amount, sage100_amount, difference, currency\n"
        "FROM recon.document_tieout\nWHERE status <> 'matched'\nORDER BY abs(difference) DESC NULLS LAST\n"
        "LIMIT 100"
    ),
    "Payment allocations waiting for a person": (
        "SELECT payment_system, payment_ref, document_number, allocated_amount, rule, confidence\n"
        "FROM recon.payment_matches\nWHERE decision = 'suggested'\nORDER BY confidence DESC"
    ),
    "Sales by month and system": (
        "SELECT system, period, count(*) AS documents, sum(base_total_amount) AS base_total\n"
        "FROM core.documents\nGROUP BY ALL\nORDER BY period, system"
    ),
    "Trial balance by system and period": (
        "SELECT system, period, account_code, account_name, base_net_movement, closing_base_balance\n"
        "FROM core.trial_balance\nORDER BY system, period, account_code\nLIMIT 200"
    ),
    "Largest customers by open balance": (
        "SELECT party_name, system, sum(amount_due) AS open_amount, count(*) AS open_documents\n"
        "FROM core.documents\nWHERE amount_due <> 0\nGROUP BY ALL\nORDER BY open_amount DESC\nLIMIT 25"
    ),
    "Columns of a table": "DESCRIBE core.documents",
    "Journal proposals and their totals": (
        "SELECT p.proposal_id, p.target, p.kind, p.period, sum(l.debit) AS debits, sum(l.credit) AS credits\n"
        "FROM journals.proposals p JOIN journals.proposal_lines l USING (proposal_id)\n"
        "GROUP BY ALL\nORDER BY debits DESC"
    ),
}
