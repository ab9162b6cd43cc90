"""The Mappings page's data: every ledger account with its Sage 100 mapping (confirmed, suggested with
evidence, or unmapped), and writing a confirmed mapping to the ``account_map`` seed the next build reads."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from app.data.warehouse import Reader

SEED_COLUMNS = ("system", "source_account_code", "sage100_account", "confirmed_by", "note")


def available(reader: Reader) -> bool:
    return "core.accounts" in reader.tables()


def accounts(reader: Reader, status: tuple[str, ...], search: str) -> pd.DataFrame:
    """Ledger accounts (not Sage 100's own) with their mapping and the latest decision taken in the app."""
    present = set(reader.columns("core.accounts"))
    wanted = [
        c
        for c in (
            "system",
            "account_code",
            "account_name",
            "account_class",
            "mapping_status",
            "sage100_account",
            "suggested_sage100_account",
            "suggestion_score",
            "mapping_evidence",
        )
        if c in present
    ]
    decided = "null::varchar as decided_account, null::varchar as decided_by"
    join = ""
    if "ops.mapping_decisions" in reader.tables():
        decided = "d.sage100_account as decided_account, d.who as decided_by"
        join = (
            "left join (select * from ops.mapping_decisions qualify row_number() over (partition by system, "
            'source_account_code order by "when" desc, decision_id desc) = 1) d '
            "on d.system = a.system and d.source_account_code = a.account_code"
        )
    clauses, params = ["a.system <> 'sage100'"], []
    if status and "mapping_status" in present:
        clauses.append(f"a.mapping_status in ({', '.join('?' for _ in status)})")
        params += list(status)
    if search.strip():
        clauses.append("(a.account_code ilike ? or a.account_name ilike ?)")
        params += [f"%{search.strip()}%"] * 2
    cols = ", ".join(f"a.{c}" for c in wanted)
    return reader.df(
        f"select {cols}, {decided} from core.accounts a {join} where {' and '.join(clauses)} "
        "order by case a.mapping_status when 'unmapped' then 0 when 'suggested' then 1 else 2 end, "
        "a.suggestion_score nulls first, a.system, a.account_code",
        params,
    )


def statuses(reader: Reader) -> list[str]:
    """The mapping states of ledger accounts (e.g. unmapped, suggested, confirmed)."""
    if "mapping_status" not in reader.columns("core.accounts"):
        return []
    rows = reader.rows(
        "select distinct mapping_status from core.accounts where system <> 'sage100' and mapping_status "
        "is not null order by 1"
    )
    return [r[0] for r in rows]


def sage_accounts(reader: Reader) -> list[str]:
    """Sage 100 accounts to choose from, as ``code — name``."""
    rows = reader.rows(
        "select account_code, account_name from core.accounts where system = 'sage100' order by account_code"
    )
    return [f"{code} — {name}" for code, name in rows]


def write_seed_row(
    seed: Path, system: str, source_account_code: str, sage100_account: str, who: str, note: str | None
) -> None:
    """Insert or replace the row of (system, source_account_code) in the ``account_map`` seed CSV."""
    rows: list[dict[str, str]] = []
    if seed.exists():
        with seed.open(newline="", encoding="utf-8") as fh:
            rows = [
                r
                for r in csv.DictReader(fh)
                if not (r.get("system") == system and r.get("source_account_code") == source_account_code)
            ]
    rows.append(
        {
            "system": system,
            "source_account_code": source_account_code,
            "sage100_account": sage100_account,
            "confirmed_by": who,
            "note": note or "",
        }
    )
    rows.sort(key=lambda r: (r["system"], r["source_account_code"]))
    seed.parent.mkdir(parents=True, exist_ok=True)
    tmp = seed.with_name(seed.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(SEED_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, seed)
