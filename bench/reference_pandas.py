"""A straightforward pandas implementation of two payment-matching rules, as a yardstick for the recon.

Same inputs as the reconciliation models (``intermediate.int_recon__payments`` and the invoices and bills
of ``intermediate.int_recon__documents``), money as integer cents:

1. exact reference: the last run of digits of the payment's text (leading zeros dropped) equals the
   document number's, in the same system and for the same party;
2. amount + party + date: for the payments rule 1 left unmatched, a document of the same system, party
   and currency for exactly the payment's amount, issued no later than 10 days after the payment; the
   oldest one wins.

Prints one JSON line: ``read_seconds`` (DuckDB to pandas), ``seconds`` (the two rules) and the counts.

    python bench/reference_pandas.py --warehouse WAREHOUSE.duckdb
"""

from __future__ import annotations

import argparse
import json
import time

import duckdb
import pandas as pd

DATE_WINDOW_DAYS = 10

PAYMENTS = """
select payment_id, payment_system as system, party_key, payment_date, currency_code,
    cast(round(amount * 100) as bigint) as cents, payment_text
from intermediate.int_recon__payments
"""
DOCUMENTS = """
select document_key, system, party_key, issue_date, currency_code,
    cast(round(total_amount * 100) as bigint) as cents, number_tail
from intermediate.int_recon__documents
where document_type in ('sales_invoice', 'bill')
"""


def match(payments: pd.DataFrame, documents: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference matches and the amount + party + date matches."""
    payments = payments.assign(
        ref_key=payments["payment_text"]
        .fillna("")
        .str.extract(r"([0-9]+)[^0-9]*$", expand=False)
        .str.lstrip("0")
        .replace("", None)
    )
    by_ref = payments.dropna(subset=["ref_key"]).merge(
        documents.dropna(subset=["number_tail"]),
        left_on=["system", "party_key", "ref_key"],
        right_on=["system", "party_key", "number_tail"],
        suffixes=("", "_doc"),
    )[["payment_id", "document_key"]]
    rest = payments[~payments["payment_id"].isin(by_ref["payment_id"])]
    candidates = rest.merge(
        documents, on=["system", "party_key", "currency_code", "cents"], suffixes=("", "_doc")
    )
    window = candidates["payment_date"] + pd.Timedelta(days=DATE_WINDOW_DAYS)
    candidates = candidates[candidates["issue_date"] <= window]
    by_amount = candidates.sort_values(["payment_id", "issue_date", "document_key"]).drop_duplicates(
        "payment_id"
    )[["payment_id", "document_key"]]
    return by_ref, by_amount


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    args = parser.parse_args()
    con = duckdb.connect(args.warehouse, read_only=True)
    started = time.perf_counter()
    payments = con.execute(PAYMENTS).df()
    documents = con.execute(DOCUMENTS).df()
    for frame, column in ((payments, "payment_date"), (documents, "issue_date")):
        frame[column] = pd.to_datetime(frame[column])
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    by_ref, by_amount = match(payments, documents)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "read_seconds": round(read_seconds, 4),
                "seconds": round(seconds, 4),
                "payments": len(payments),
                "items": len(documents),
                "reference_matches": int(by_ref["payment_id"].nunique()),
                "amount_matches": len(by_amount),
            }
        )
    )


if __name__ == "__main__":
    main()
