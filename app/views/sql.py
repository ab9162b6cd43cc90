"""SQL: read-only queries over the unified ledgers, with a schema browser, example queries, paged
results and exports. Writes, DDL, ATTACH, COPY, files and extensions are refused."""

from __future__ import annotations

import streamlit as st

from app import ui
from app.data import schema, sqlrunner

RESULT = "sql_result"
PAGE = 100


def _browser() -> None:
    listing = ui.data(schema.tables)
    schemas = list(dict.fromkeys(listing["schema"]))
    chosen = st.selectbox("Schema", schemas, key="sql_schema")
    in_schema = listing[listing["schema"] == chosen]
    st.dataframe(
        in_schema[["table", "rows", "columns", "kind"]], hide_index=True, width="stretch", height=250
    )
    table = st.selectbox("Columns of", list(in_schema["table"]), key="sql_table")
    if table:
        st.dataframe(ui.data(schema.columns, chosen, table), hide_index=True, width="stretch", height=250)


def _load_example() -> None:
    name = st.session_state.get("sql_example")
    if name and name in sqlrunner.EXAMPLES:
        st.session_state["sql_text"] = sqlrunner.EXAMPLES[name]


def body() -> None:
    st.title("SQL")
    s = ui.settings()
    st.caption(
        f"Read-only over the warehouse · at most {s.sql_row_limit:,} rows · stopped after "
        f"{s.sql_time_limit:g} s. SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE and EXPLAIN run; anything that "
        "writes, attaches, copies or reads files is refused."
    )
    editor, browser = st.columns([3, 2])
    with browser, st.container(border=True):
        st.markdown("**Schema browser**")
        _browser()
    with editor:
        st.selectbox("Example queries", ["", *sqlrunner.EXAMPLES], key="sql_example", on_change=_load_example)
        text = st.text_area(
            "Query", key="sql_text", height=200, placeholder="SELECT * FROM core.documents LIMIT 10"
        )
        if st.button("Run", type="primary", key="sql_run"):
            st.session_state["sql_page"] = 0
            try:
                st.session_state[RESULT] = sqlrunner.run(
                    ui.reader(), text, row_limit=s.sql_row_limit, time_limit=s.sql_time_limit
                )
            except sqlrunner.SqlRefused as exc:
                st.session_state[RESULT] = None
                st.error(str(exc))
            except sqlrunner.SqlFailed as exc:
                st.session_state[RESULT] = None
                st.error(f"The query failed: {exc}")
    result = st.session_state.get(RESULT)
    if result is None:
        return
    (st.warning if result.truncated else st.success)(result.message)
    page_no = ui.pager("sql_page", len(result.frame), PAGE)
    view = result.frame.iloc[page_no * PAGE : (page_no + 1) * PAGE]
    st.dataframe(view, hide_index=True, width="stretch", key="sql_table_result")
    ui.downloads(result.frame, "query", "sql_export")


ui.guard(body)
