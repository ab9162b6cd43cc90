"""Run the Sage 100 source into the warehouse (DuckDB, dataset ``raw_sage100``) and summarize the load."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.common.destination import warehouse_destination
from dlt_pipelines.sage100.helpers import Sage100ConnectionError
from dlt_pipelines.sage100.settings import (
    BATCH_SIZE,
    DATASET_NAME,
    PIPELINE_NAME,
    SOURCE_NAME,
    selected_tables,
)
from tieout.settings import warehouse_path


class Sage100ConfigError(RuntimeError):
    """The Sage 100 source is not configured."""


def load_sage100(
    connection_string: str | None = None,
    *,
    warehouse: Path | None = None,
    tables: list[str] | None = None,
    refresh_open_items: bool | None = None,
    full_refresh: bool = False,
    batch_size: int = BATCH_SIZE,
    pipelines_dir: Path | None = None,
    pipeline_name: str = PIPELINE_NAME,
    dataset_name: str = DATASET_NAME,
) -> dict[str, Any]:
    """Load Sage 100 into ``raw_sage100`` (of the configured destination) and return a summary.

    ``connection_string`` defaults to dlt config (``sources.sage100.connection_string`` /
    ``SOURCES__SAGE100__CONNECTION_STRING``); ``warehouse`` to :func:`tieout.settings.warehouse_path`.
    The summary holds, per table, the ``mode`` used and the ``rows`` loaded (new, changed and closed),
    ``quarantined`` and ``closed`` rows, the totals of each and ``duration_seconds``.
    """
    from dlt_pipelines.sage100 import sage100_source

    started = time.monotonic()
    chosen = [t.name for t in selected_tables(tables)]
    # scoped to this pipeline: one table at a time (Sage 100's driver copes badly with concurrent
    # statements), and _dlt_load_id on the Arrow batches like on every other raw table
    dlt.config[f"{pipeline_name}.extract.next_item_mode"] = "fifo"
    dlt.config[f"{pipeline_name}.normalize.parquet_normalizer.add_dlt_load_id"] = True
    target = Path(warehouse) if warehouse is not None else warehouse_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=warehouse_destination(target),
        dataset_name=dataset_name,
        pipelines_dir=str(pipelines_dir) if pipelines_dir is not None else None,
    )
    options: dict[str, Any] = {
        "tables": chosen,
        "batch_size": batch_size,
        "refresh_open_items": refresh_open_items,
        "full_refresh": full_refresh,
    }
    if connection_string is not None:
        options["connection_string"] = connection_string
    try:
        source = sage100_source(**options)
    except ConfigFieldMissingException:
        raise Sage100ConfigError(
            "no Sage 100 connection string: set sources.sage100.connection_string in .dlt/secrets.toml or "
            "the SOURCES__SAGE100__CONNECTION_STRING environment variable (the sandbox prints one: "
            "`tieout sandbox sage100 --scenario DIR`)"
        ) from None
    try:
        info = pipeline.run(source)
    except PipelineStepFailed as exc:
        cause = _find(exc, Sage100ConnectionError)
        if cause is not None:
            raise cause from None
        raise
    resources = pipeline.state.get("sources", {}).get(SOURCE_NAME, {}).get("resources", {})
    per_table: dict[str, dict[str, Any]] = {}
    for name in chosen:
        run = resources.get(name, {}).get("last_run", {})
        per_table[name] = {
            "mode": run.get("mode"),
            "rows": run.get("rows", 0),
            "quarantined": run.get("quarantined", 0),
            "closed": run.get("closed", 0),
        }
    return {
        "source": SOURCE_NAME,
        "pipeline": pipeline_name,
        "dataset": dataset_name,
        "warehouse": str(target),
        "load_ids": list(info.loads_ids),
        "tables": per_table,
        "rows": sum(t["rows"] for t in per_table.values()),
        "quarantined": sum(t["quarantined"] for t in per_table.values()),
        "closed": sum(t["closed"] for t in per_table.values()),
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__ or getattr(current, "exception", None)
    return None
