"""The staging parsing macros (dbt_project/macros/parsing.sql) give the same values whether a loader
stored a raw column as text or already typed it (numbers, dates, booleans): the DuckDB versions skip
the round trip through text for typed columns, and must not change a single value by doing so."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from tieout import build

# one row per case: the same value as text and typed; blanks, Sage 100's 1753-01-01 sentinel and nulls
# (Xero's "/Date(ms±hhmm)/" stamps as text; typed, the local timestamp they stand for)
TEXT_ROWS = [
    ("1", " 12.345 ", "12.3456789", "2025-03-31", "true", "/Date(1735689600000+0000)/"),
    ("2", "-0.005", "-1.0000004", "1753-01-01", "0", "/Date(1735689600000-0530)/"),
    ("3", "1.004999", "0.1", "1899-12-30", "false", "/Date(-1000)/"),
    ("4", "", "", "", "", ""),
    ("5", None, None, None, None, None),
]
TYPED_ROWS = [
    (1, Decimal("12.345"), 12.3456789, "2025-03-31", True, "2025-01-01 00:00:00"),
    (2, Decimal("-0.005"), -1.0000004, "1753-01-01", False, "2024-12-31 18:30:00"),
    (3, Decimal("1.004999"), 0.1, "1899-12-30", False, "1969-12-31 23:59:59"),
    (4, None, None, None, None, None),
    (5, None, None, None, None, None),
]

SELECT = """
select id,
    {{ to_money('money') }} as money,
    {{ to_decimal('rate', 18, 6) }} as rate,
    {{ blank_date_to_null('day') }} as day,
    {{ to_bool('flag') }} as flag,
    {{ xero_timestamp('stamp') }} as stamp
from raw_values
order by id
"""


@pytest.fixture(scope="module")
def compiled_select(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The select above as dbt compiles it for DuckDB (the project's own macros, dispatched)."""
    tmp = tmp_path_factory.mktemp("parsing")
    res = build.invoke(
        ["compile", "--inline", SELECT], warehouse=tmp / "w.duckdb", target_path=tmp / "target"
    )
    assert res.success, res.exception
    return str(res.result.results[0].node.compiled_code)


def _parse(sql: str, create: str, rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    con.execute(create)
    con.executemany("insert into raw_values values (?, ?, ?, ?, ?, ?)", rows)
    return con.execute(sql).fetchall()


def test_typed_raw_columns_parse_like_text(compiled_select: str) -> None:
    text = _parse(
        compiled_select,
        "create table raw_values"
        " (id varchar, money varchar, rate varchar, day varchar, flag varchar, stamp varchar)",
        TEXT_ROWS,
    )
    typed = _parse(
        compiled_select,
        "create table raw_values"
        " (id integer, money decimal(38, 9), rate double, day date, flag boolean, stamp timestamp)",
        TYPED_ROWS,
    )
    assert "typeof(" in compiled_select  # DuckDB: typed columns take the direct path
    assert [row[1:] for row in typed] == [row[1:] for row in text]
    # the values themselves: half away from zero, the sentinel and blanks as null, the stamp's offset
    assert text[0][1:5] == (Decimal("12.35"), Decimal("12.345679"), date(2025, 3, 31), True)
    assert text[1][1] == Decimal("-0.01") and text[1][3] is None and text[1][4] is False
    assert text[1][5] == datetime(2024, 12, 31, 18, 30)  # 00:00 UTC at -05:30
    assert text[2][1] == Decimal("1.00") and text[2][3] == date(1899, 12, 30)
    assert text[2][5] == datetime(1969, 12, 31, 23, 59, 59)  # before 1970: no offset to apply
    assert text[3][1:] == (None, None, None, None, None)
    assert text[4][1:] == (None, None, None, None, None)


def test_a_raw_timestamp_date_keeps_its_day(compiled_select: str) -> None:
    """A loader that typed a Sage 100 date as a timestamp (ODBC datetime) gives the same day."""
    typed = _parse(
        compiled_select,
        "create table raw_values"
        " (id integer, money double, rate decimal(18, 9), day timestamp, flag integer, stamp varchar)",
        [
            (1, 12.345, Decimal("12.3456789"), "2025-03-31 14:30:00", 1, "2025-01-02T03:04:05"),
            (2, None, None, "1753-01-01 00:00:00", 0, None),
        ],
    )
    assert typed[0][1:5] == (Decimal("12.35"), Decimal("12.345679"), date(2025, 3, 31), True)
    assert typed[0][5] == datetime(2025, 1, 2, 3, 4, 5)  # an ISO stamp passes through
    assert typed[1][3] is None and typed[1][4] is False
