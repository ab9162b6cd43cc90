"""The SQL page's schema browser: schemas, tables and columns of the warehouse."""

from __future__ import annotations

import pandas as pd

from app.data.warehouse import Reader

PRIMARY = ("core", "recon", "journals", "ops")
HIDDEN_PREFIXES = ("_dlt",)


def tables(reader: Reader) -> pd.DataFrame:
    """schema, table, rows (estimated) and column count; the unified ledgers first."""
    frame = reader.df(
        'select t.schema_name as schema, t.table_name as "table", t.estimated_size as rows, '
        "t.column_count as columns, 'table' as kind from duckdb_tables() t "
        "where t.database_name = current_database() and not t.internal "
        "union all select v.schema_name, v.view_name, null, null, 'view' from duckdb_views() v "
        "where v.database_name = current_database() and not v.internal"
    )
    frame = frame[~frame["table"].str.startswith(HIDDEN_PREFIXES)]
    frame["order"] = frame["schema"].map(lambda s: PRIMARY.index(s) if s in PRIMARY else len(PRIMARY))
    return frame.sort_values(["order", "schema", "table"]).drop(columns="order").reset_index(drop=True)


def columns(reader: Reader, schema: str, table: str) -> pd.DataFrame:
    return reader.df(
        "select column_name as column, data_type as type, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, table],
    )
