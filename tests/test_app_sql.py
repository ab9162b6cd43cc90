"""SQL page: read-only queries with a row limit and a time limit; every kind of write, DDL, ATTACH, COPY,
INSTALL/LOAD, SET and file access is refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.data import sqlrunner
from app.data.warehouse import Reader
from tests.test_app_support import click, frame_with, make_warehouse, signed_in_app, texts


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT system, count(*) FROM core.documents GROUP BY ALL",
        "WITH t AS (SELECT * FROM recon.exceptions) SELECT exception_type FROM t",
        "FROM core.parties",
        "DESCRIBE core.documents",
        "SHOW ALL TABLES",
        "SUMMARIZE core.items",
        "EXPLAIN SELECT * FROM core.documents",
        "PRAGMA table_info('core.documents')",
        "VALUES (1, 'a')",
        "select 1;",
    ],
)
def test_reads_run(warehouse: Path, sql: str) -> None:
    result = sqlrunner.run(Reader(warehouse), sql)
    assert len(result.frame) >= 1 and not result.truncated


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("INSERT INTO core.items SELECT * FROM core.items", "INSERT statements are not allowed here"),
        ("UPDATE recon.exceptions SET severity = 'low'", "UPDATE statements are not allowed here"),
        ("DELETE FROM ops.audit_log", "DELETE statements are not allowed here"),
        ("CREATE TABLE t AS SELECT 1", "CREATE statements are not allowed here"),
        ("DROP TABLE core.documents", "DROP statements are not allowed here"),
        ("ALTER TABLE core.items ADD COLUMN x int", "ALTER statements are not allowed here"),
        ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH would open another database or file"),
        ("DETACH other", "DETACH statements are not allowed here"),
        ("COPY core.documents TO '/tmp/leak.csv'", "COPY reads or writes files"),
        ("EXPORT DATABASE '/tmp/dump'", "EXPORT writes files"),
        ("INSTALL httpfs", "INSTALL / LOAD would load extensions"),
        ("LOAD httpfs", "INSTALL / LOAD would load extensions"),
        ("SET enable_external_access = true", "SET / RESET / USE would change settings"),
        ("RESET memory_limit", "SET / RESET / USE would change settings"),
        ("CALL pragma_version()", "CALL runs procedures"),
        ("CHECKPOINT", "CALL statements are not allowed here"),
        ("BEGIN TRANSACTION", "TRANSACTION statements are not allowed here"),
        ("EXPLAIN DELETE FROM core.items", "EXPLAIN is allowed for a SELECT only, not DELETE"),
        ("PRAGMA enable_profiling", "PRAGMA enable_profiling is not allowed here"),
        ("SELECT 1; DROP TABLE core.items", "run one statement at a time (found 2)"),
        ("SELECT * FROM read_csv('/etc/passwd')", "files, URLs and extensions cannot be read"),
        ("SELECT * FROM glob('/etc/*')", "files, URLs and extensions cannot be read"),
        ("SELECT * FROM read_text('/etc/hostname')", "files, URLs and extensions cannot be read"),
        ("", "write a query first"),
    ],
)
def test_writes_files_and_settings_are_refused(warehouse: Path, sql: str, why: str) -> None:
    with pytest.raises(sqlrunner.SqlRefused, match=None) as caught:
        sqlrunner.run(Reader(warehouse), sql)
    assert why in str(caught.value)


def test_replacement_scans_of_files_do_not_read_them(warehouse: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    with pytest.raises((sqlrunner.SqlRefused, sqlrunner.SqlFailed)) as caught:
        sqlrunner.run(Reader(warehouse), f"SELECT * FROM '{secret}'")
    assert "hunter2" not in str(caught.value)


def test_the_row_limit_and_the_time_limit(warehouse: Path) -> None:
    result = sqlrunner.run(Reader(warehouse), "SELECT * FROM range(25000)", row_limit=1000)
    assert result.truncated and len(result.frame) == 1000
    assert "stopped at the row limit of 1,000" in result.message
    with pytest.raises(sqlrunner.SqlFailed, match="longer than the time limit of 0.5 s"):
        sqlrunner.run(Reader(warehouse), "SELECT count(*) FROM range(1000000000000) a", time_limit=0.5)
    again = sqlrunner.run(Reader(warehouse), "SELECT 42 AS answer")  # the engine is usable after the stop
    assert again.frame["answer"].tolist() == [42]


def test_syntax_errors_say_what_duckdb_says(warehouse: Path) -> None:
    with pytest.raises(sqlrunner.SqlFailed, match="syntax error"):
        sqlrunner.run(Reader(warehouse), "SELEC * FROM core.documents")
    with pytest.raises(sqlrunner.SqlFailed, match="does not exist"):
        sqlrunner.run(Reader(warehouse), "SELECT * FROM core.nothing")


def test_the_sql_page_runs_a_query_pages_it_and_refuses_a_write(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEOUT_SQL_ROW_LIMIT", "250")
    at = signed_in_app("preparer", "sql")
    at.text_area(key="sql_text").input("SELECT range AS n FROM range(300)")
    click(at, "Run")
    assert texts(at, "warning")[0].startswith("250 rows in")
    assert frame_with(at, "n")["n"].tolist()[:3] == [0, 1, 2]
    click(at, "Next ▶")
    assert frame_with(at, "n")["n"].tolist()[0] == 100
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel"]
    at.text_area(key="sql_text").input("DROP TABLE core.documents")
    click(at, "Run")
    assert texts(at, "error")[0].startswith("Refused: DROP statements are not allowed here")
    with Reader(warehouse).connect() as con:
        assert con.execute("select count(*) from core.documents").fetchone()[0] == 6


def test_example_queries_and_the_schema_browser(warehouse: Path) -> None:
    at = signed_in_app("preparer", "sql")
    at.selectbox(key="sql_example").select("Exceptions by type and amount").run()
    assert at.text_area(key="sql_text").value.startswith("SELECT exception_type, severity")
    click(at, "Run")
    assert set(frame_with(at, "exception_type")["exception_type"]) >= {"amount_mismatch", "missing_in_source"}
    assert at.selectbox(key="sql_schema").value == "core"
    assert "documents" in frame_with(at, "kind")["table"].tolist()
    at.selectbox(key="sql_table").select("documents").run()
    assert "total_amount" in frame_with(at, "type")["column"].tolist()
