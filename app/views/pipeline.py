"""Pipeline: refresh (load + build in the background while the app stays usable), the last loads and
builds with their summaries, data freshness per source, quarantined records and errors."""

from __future__ import annotations

import streamlit as st

from app import refresh, ui
from app.data import journals as jr
from app.data import pipeline as pl
from tieout.settings import PROJECT_ROOT


@st.fragment(run_every=2)
def _refresh_status() -> None:
    """Polls the running refresh every 2 s without rerunning the rest of the page."""
    warehouse = ui.settings().warehouse
    status = refresh.read_status(warehouse)
    running = bool(status and status.get("state") == "running")
    if st.button(
        "Refresh now (load + build)",
        type="primary",
        disabled=running,
        key="pipeline_refresh",
        help="Loads every source and rebuilds the models into a copy of the warehouse, then swaps "
        "it in: the app stays usable meanwhile",
    ):
        try:
            refresh.start_background(warehouse, user=ui.user().username)
        except OSError as exc:
            st.error(f"Could not start the refresh: {exc}")
        else:
            st.session_state["refresh_seen_running"] = True
            st.toast("Refresh started: keep working, the data switches over when it is done.")
            status = {"state": "running", "step": "starting", "started_at": "now"}
            running = True
    if status is None:
        st.caption("No refresh has run from the app yet.")
        return
    state = status.get("state")
    if state == "running":
        st.session_state["refresh_seen_running"] = True
    elif st.session_state.pop("refresh_seen_running", False):
        st.cache_data.clear()
        st.rerun(scope="app")  # the refresh finished: redraw the whole page on the new warehouse
    text = f"**{state}** · step {status.get('step')} · started {status.get('started_at')}"
    if status.get("user"):
        text += f" by {status['user']}"
    if status.get("seconds") is not None:
        text += f" · {status['seconds']} s"
    if state == "running":
        st.info(text)
    elif state == "succeeded":
        st.success(text + f" · {status.get('message', '')}")
    else:
        st.error(text + f" · {status.get('message', '')}")
    log = refresh.RefreshPaths(warehouse).log
    if log.exists():
        with st.expander("Refresh output"):
            st.code("\n".join(log.read_text(errors="replace").splitlines()[-60:]) or "(nothing yet)")


def body() -> None:
    st.title("Pipeline")
    _refresh_status()
    warehouse = ui.settings().warehouse
    st.subheader("Refreshes, runs and builds")
    runs = refresh.history(warehouse)
    if runs:
        st.dataframe(
            [
                {
                    "started": r.get("started_at"),
                    "what": r.get("kind", "refresh"),  # the app / tieout refresh, tieout run, tieout build
                    "state": r.get("state"),
                    "by": r.get("user"),
                    "seconds": r.get("seconds"),
                    "loaded rows": sum((s.get("rows_total") or 0) for s in r.get("load", [])),
                    "build": "ok"
                    if (r.get("build") or {}).get("success")
                    else ("failed" if r.get("build") else "—"),
                    "swapped in": r.get("swapped", r.get("state") == "succeeded"),
                    "message": r.get("message"),
                }
                for r in runs
            ],
            hide_index=True,
            width="stretch",
        )
        last_build = next((r.get("build") for r in runs if r.get("build")), None)
        if last_build:
            with st.expander("Last build summary"):
                st.code(last_build.get("text") or "")
    else:
        st.caption("No refresh, `tieout run` or `tieout build` on this warehouse yet.")
    dbt = pl.dbt_run_results(PROJECT_ROOT / "dbt_project")
    if dbt is not None:
        st.markdown(
            f"**Last dbt run** ({dbt['generated_at']}, {dbt['elapsed'] or 0:.0f} s): "
            + ", ".join(f"{k} {v}" for k, v in sorted(dbt["counts"].items()))
        )
        if not dbt["problems"].empty:
            st.dataframe(dbt["problems"], hide_index=True, width="stretch")
    if not warehouse.exists():
        ui.no_data("The warehouse")
        return
    st.subheader("Loads")
    st.dataframe(ui.data(pl.load_runs), hide_index=True, width="stretch")
    st.subheader("Freshness per source")
    st.dataframe(ui.data(pl.freshness), hide_index=True, width="stretch")
    st.subheader("Quarantined records")
    quarantined = ui.data(pl.quarantine)
    if quarantined.empty:
        st.caption("Nothing was quarantined.")
    else:
        st.dataframe(quarantined, hide_index=True, width="stretch")
    st.subheader("Errors")
    loads = ui.data(pl.load_runs)
    failed_loads = loads[loads["status"] != "ok"] if not loads.empty else loads
    outbox = ui.data(jr.outbox_frame)
    dead = outbox[outbox["state"].isin(["dead-letter", "failed"])] if not outbox.empty else outbox
    if failed_loads.empty and dead.empty:
        st.caption("No failed loads and no failed or dead-letter postings.")
    if not failed_loads.empty:
        st.dataframe(failed_loads, hide_index=True, width="stretch")
    if not dead.empty:
        st.dataframe(dead, hide_index=True, width="stretch")


ui.guard(body)
