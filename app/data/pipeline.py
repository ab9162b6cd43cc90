"""The Pipeline page's data: last loads (``raw_meta.load_runs``), builds (the app's refreshes and dbt's
last ``run_results.json``), freshness per source, quarantined records and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from app.data.warehouse import Reader, quote_ident

RAW_SCHEMAS = ("raw_xero", "raw_kashflow", "raw_sage100")


def load_runs(reader: Reader, limit: int = 30) -> pd.DataFrame:
    if "raw_meta.load_runs" not in reader.tables():
        return pd.DataFrame(
            columns=[
                "started_at",
                "source",
                "status",
                "rows_total",
                "api_calls",
                "http_429",
                "retries",
                "quarantined",
                "duration_seconds",
                "message",
            ]
        )
    return reader.df(
        "select started_at, source, status, rows_total, api_calls, http_429, retries, quarantined, "
        "duration_seconds, message, run_id from raw_meta.load_runs order by started_at desc limit ?",
        [limit],
    )


def freshness(reader: Reader) -> pd.DataFrame:
    """Per raw dataset: when it last received a completed load, and how many rows its tables hold."""
    tables = reader.tables()
    parts = []
    for schema in RAW_SCHEMAS:
        if f"{schema}._dlt_loads" in tables:
            parts.append(
                f"select '{schema}' as dataset, max(inserted_at) as last_loaded, count(*) as loads "
                f"from {schema}._dlt_loads where status = 0"
            )
    if not parts:
        return pd.DataFrame(columns=["dataset", "last_loaded", "loads", "hours_ago"])
    return reader.df(
        f"select *, round(date_diff('minute', last_loaded, now()) / 60.0, 1) as hours_ago "
        f"from ({' union all '.join(parts)}) order by dataset"
    )


def quarantine(reader: Reader, limit: int = 500) -> pd.DataFrame:
    """Records the loaders put aside (``<raw dataset>._quarantine``), newest first."""
    tables = reader.tables()
    parts = []
    for schema in RAW_SCHEMAS:
        name = f"{schema}._quarantine"
        if name in tables:
            cols = set(reader.columns(name))
            pick = [
                c
                for c in ("quarantined_at", "source", "resource", "record_key", "reason", "raw_payload")
                if c in cols
            ]
            if not pick:
                continue
            select = ", ".join(quote_ident(c) for c in pick)
            order = " order by quarantined_at desc" if "quarantined_at" in pick else ""
            parts.append(
                f"select '{schema}' as dataset, {select} from {schema}.{quote_ident('_quarantine')}{order}"
            )
    if not parts:
        return pd.DataFrame(columns=["dataset", "reason"])
    frames = [reader.df(f"{p} limit ?", [limit]) for p in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def dbt_run_results(project_dir: Path) -> dict[str, Any] | None:
    """dbt's last ``run_results.json`` (any ``tieout build``), summarized."""
    path = project_dir / "target" / "run_results.json"
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    results = data.get("results") or []
    counts: dict[str, int] = {}
    problems = []
    for r in results:
        status = str(r.get("status"))
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail", "warn", "runtime error"):
            problems.append(
                {
                    "node": r.get("unique_id"),
                    "status": status,
                    "message": (r.get("message") or "")[:300],
                    "failures": r.get("failures"),
                }
            )
    return {
        "generated_at": (data.get("metadata") or {}).get("generated_at"),
        "elapsed": data.get("elapsed_time"),
        "command": " ".join((data.get("args") or {}).get("which", "") and [data["args"]["which"]] or []),
        "counts": counts,
        "problems": pd.DataFrame(problems, columns=["node", "status", "message", "failures"]),
    }
