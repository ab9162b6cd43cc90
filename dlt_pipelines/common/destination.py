"""Where the raw datasets go: dlt's configured destination, DuckDB at the warehouse file by default.

The destination comes from dlt configuration like any dlt pipeline's: ``destination_type`` in
``.dlt/config.toml`` (or the ``DESTINATION_TYPE`` environment variable) names it — ``postgres``,
``snowflake``, ``sqlalchemy``, ... — and its credentials go in ``[destination.<type>.credentials]`` of
``.dlt/secrets.toml`` (or ``DESTINATION__<TYPE>__CREDENTIALS``). Unset or ``duckdb`` means the DuckDB
file of ``TIEOUT_WAREHOUSE`` (default ``warehouse/tieout.duckdb``), which the rest of tieout reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DUCKDB = "duckdb"
CONFIG_KEY = "destination_type"


def destination_type() -> str:
    """The configured destination type (``duckdb`` unless dlt config says otherwise)."""
    import dlt

    value = dlt.config.get(CONFIG_KEY)
    return str(value).strip() if value else DUCKDB


def uses_duckdb() -> bool:
    """True when the raw datasets go to the DuckDB warehouse file."""
    return destination_type().rsplit(".", 1)[-1].lower() == DUCKDB


def warehouse_destination(warehouse: Path) -> Any:
    """The dlt destination for the raw datasets: DuckDB at ``warehouse`` unless another is configured."""
    import dlt
    from dlt.common.destination import Destination
    from dlt.common.destination.exceptions import UnknownDestinationModule

    if uses_duckdb():
        return dlt.destinations.duckdb(str(warehouse))
    name = destination_type()
    try:
        return Destination.from_reference(name)
    except UnknownDestinationModule as exc:
        raise ValueError(
            f"dlt destination_type {name!r} is not a dlt destination ({exc}); set destination_type in "
            ".dlt/config.toml (or DESTINATION_TYPE) to duckdb, postgres, sqlalchemy, ... and its "
            "credentials in [destination.<type>.credentials] of .dlt/secrets.toml"
        ) from None
