"""The plain DuckDB lower bound for payment matching: one hash join of payments to open items.

Reads the same inputs the reconciliation models read (``intermediate.int_recon__payments`` and the
invoices and bills of ``intermediate.int_recon__documents``) and joins them on the exact-reference key
(system, party and the last run of digits of the payment's text = the document number's, as the recon does).
Prints one JSON line: the query's seconds, the input sizes and the number of matches.

    python bench/reference_duckdb.py --warehouse WAREHOUSE.duckdb
"""

from __future__ import annotations

import argparse
import json
import time

import duckdb

JOIN = """
create or replace temp table reference_matches as
select p.payment_id, d.document_key
from intermediate.int_recon__payments as p
inner join intermediate.int_recon__documents as d
    on d.system = p.payment_system
    and d.party_key = p.party_key
    and d.number_tail
        = nullif(ltrim(regexp_extract(coalesce(p.payment_text, ''), '([0-9]+)[^0-9]*$', 1), '0'), '')
where d.document_type in ('sales_invoice', 'bill')
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    args = parser.parse_args()
    con = duckdb.connect(args.warehouse, read_only=True)
    payments = con.execute("select count(*) from intermediate.int_recon__payments").fetchone()[0]
    items = con.execute(
        "select count(*) from intermediate.int_recon__documents "
        "where document_type in ('sales_invoice', 'bill')"
    ).fetchone()[0]
    started = time.perf_counter()
    con.execute(JOIN)
    seconds = time.perf_counter() - started
    matches = con.execute("select count(*) from reference_matches").fetchone()[0]
    print(
        json.dumps({"seconds": round(seconds, 4), "payments": payments, "items": items, "matches": matches})
    )


if __name__ == "__main__":
    main()
