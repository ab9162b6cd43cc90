"""Reconciliation rules on crafted cases, both ledgers: rows added to (or changed in) a built warehouse of
another company's small scenario (``tests/test_recon_support.py``), then the recon and journals models
rebuilt with their dbt tests.

* **write-off tolerance**: a bank receipt that under-pays a party's one open item by no more than the
  tolerance (``recon_writeoff_tolerance_amount`` fixed, or ``recon_writeoff_tolerance_percent`` of the
  item) allocates the whole payment and proposes the rest as ``writeoff_amount`` (rule ``tolerance``, or
  ``reference`` when the payment names the invoice); beyond the tolerance it is a partial payment
  (``oldest_first``) and the open item keeps its balance. Both configurations, through dbt vars;
* **unapplied money**: a bank receipt no rule can allocate (wholly, or the rest of an over-payment) is an
  ``unapplied_payment`` exception for exactly the unallocated rest; a document both systems hold, settled
  in Sage 100 while the ledger still has it open with no payment to explain it, is a
  ``payment_amount_mismatch`` of the open items;
* **referential-integrity breaks**: a document naming a customer the system does not hold, lines naming an
  unknown item or account (ledger lines; Sage 100 detail lines, AP invoices) are ``orphan_reference``
  exceptions whose details say which reference is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.test_dbt_support import query
from tests.test_recon_support import Built, as_table, crafted_copy, other_company, rebuild_recon

pytestmark = pytest.mark.integration

FIXED = {"recon_writeoff_tolerance_amount": 1.00, "recon_writeoff_tolerance_percent": 0}
PERCENT = {"recon_writeoff_tolerance_amount": 0, "recon_writeoff_tolerance_percent": 2.0}
CENT = Decimal("0.01")


@dataclass
class Receipt:
    ref: str
    party_key: str
    document_number: str | None
    amount_due: Decimal | None
    amount: Decimal


@dataclass
class Crafted:
    ledger: str
    warehouse: Path
    receipts: dict[str, Receipt]
    settled_pair: tuple[str, str, Decimal]
    broken: dict[str, str]
    """document number -> what its details must name."""
    fixed_failures: list[str]
    percent: Path
    percent_failures: list[str]


def _single_open_item_parties(con: duckdb.DuckDBPyConnection, n: int) -> list[tuple[str, str, Decimal]]:
    """Customers in base currency with exactly one open item (of at least 300) and no unlinked money."""
    rows = con.execute(
        """
        with one as (
            select party_key, min(document_number) as document_number, min(amount_due) as amount_due,
                min(currency_code) as currency_code, count(*) as n
            from intermediate.int_recon__open_items where ledger_side = 'receivable' group by party_key
        )
        select party_key, document_number, amount_due from one
        where n = 1 and amount_due >= 300
            and currency_code = (select min(base_currency) from core.documents where system <> 'sage100')
            and party_key not in (select party_key from intermediate.int_recon__payments
                                  where payment_kind in ('bank_receipt', 'on_account'))
        order by party_key limit ?
        """,
        [n],
    ).fetchall()
    assert len(rows) == n, rows
    return rows


def _add_receipt(
    con: duckdb.DuckDBPyConnection, ref: str, party_key: str, amount: Decimal, text: str
) -> None:
    """A bank receipt from the party that the ledger links to no document (a copy of a real one's row)."""
    con.execute(
        """
        insert into core.payments
        select * replace (
            ? as native_id, ? as payment_key, ? as refresh_key, ? as party_key, ? as reference,
            ? as payment_reference, cast(? as decimal(18, 2)) as amount,
            cast(? as decimal(18, 2)) as base_amount,
            (select max(issue_date) from core.documents) as payment_date)
        from core.payments
        where payment_source = 'bank_transaction' and currency_code = base_currency
            and upper(native_payment_type) not similar to '.*(PREPAYMENT|OVERPAYMENT|ADVANCE).*'
        limit 1
        """,
        [ref, f"crafted:{ref}", f"crafted:{ref}", party_key, text, text, amount, amount],
    )


def _craft(built: Built, root: Path) -> Crafted:
    warehouse = crafted_copy(built, root / "crafted.duckdb")
    ledger = built.ledger
    receipts: dict[str, Receipt] = {}
    broken: dict[str, str] = {}
    with duckdb.connect(str(warehouse)) as con:
        for relation in ("core.payments", "core.documents", "core.document_lines"):
            as_table(con, relation)
        parties = _single_open_item_parties(con, 5)
        (p1, d1, due1), (p2, d2, due2), (p3, d3, due3), (p4, d4, due4), (p6, d6, due6) = parties
        short3 = (due3 * Decimal("0.95")).quantize(CENT)
        plans = [
            ("R1-short-80c", p1, d1, due1, due1 - Decimal("0.80"), "thank you"),
            ("R2-short-5", p2, d2, due2, due2 - Decimal("5.00"), "payment received"),
            ("R3-short-5pct", p3, d3, due3, short3, "payment received"),
            ("R4-named-short-50c", p4, d4, due4, due4 - Decimal("0.50"), f"remittance {d4}"),
            ("R6-over-100", p6, d6, due6, due6 + Decimal("100.00"), "payment received"),
        ]
        nobody = con.execute(
            "select party_key from core.parties where system = ? and party_role = 'customer' "
            "and party_key not in (select party_key from intermediate.int_recon__open_items) "
            "and party_key not in (select party_key from core.payments where party_key is not null) "
            "order by party_key limit 1",
            [ledger],
        ).fetchone()[0]
        plans.append(("R5-nothing-open", nobody, None, None, Decimal("123.45"), "payment received"))
        for ref, party, doc, due, amount, text in plans:
            _add_receipt(con, ref, party, amount, text)
            receipts[ref] = Receipt(ref, party, doc, due, amount)

        # an invoice both systems hold, unpaid in both, that Sage 100 now says is settled (no receipt)
        used = [d for _, _, d, _, _, _ in plans if d]
        settled = con.execute(
            """
            select t.source_document_number, t.sage100_invoice_no, t.sage100_document_key, t.source_amount
            from recon.document_tieout as t
            inner join intermediate.int_recon__documents as l on l.document_key = t.source_document_key
            where t.status = 'matched' and l.document_type = 'sales_invoice' and l.amount_due = l.total_amount
                and t.sage100_amount_due = t.source_amount and l.party_key not in (select unnest(?))
                and t.source_document_key not in (select document_key from recon.payment_matches
                                                  where document_key is not null)
                and t.sage100_document_key not in (select document_key from recon.payment_matches
                                                   where document_key is not null)
            order by t.source_document_number limit 1
            """,
            [[p for p, _, _ in parties]],
        ).fetchone()
        con.execute("update core.documents set amount_due = 0 where document_key = ?", [settled[2]])
        used += [settled[0], settled[1]]

        # referential-integrity breaks: ledger documents and lines, Sage 100 detail lines and AP invoices
        ledger_docs = con.execute(
            "select document_key, document_number from core.documents where system = ? "
            "and document_type = 'sales_invoice' and document_number not in (select unnest(?)) "
            "and coalesce(status_normalized, '') not in ('voided', 'deleted') "
            "and document_key in (select document_key from core.document_lines where line_number = 1) "
            "order by document_number limit 3",
            [ledger, used],
        ).fetchall()
        (k_party, n_party), (k_item, n_item), (k_account, n_account) = ledger_docs
        ghost = f"{ledger}:customer:no-such-contact"
        con.execute(
            "update core.documents set party_key = ?, party_native_id = 'no-such-contact' "
            "where document_key = ?",
            [ghost, k_party],
        )
        con.execute(
            "update core.document_lines set item_code = 'NO-SUCH-ITEM' "
            "where document_key = ? and line_number = 1",
            [k_item],
        )
        con.execute(
            "update core.document_lines set account_code = '9999' where document_key = ? and line_number = 1",
            [k_account],
        )
        broken |= {
            n_party: "a customer/vendor no-such-contact",
            n_item: "an item NO-SUCH-ITEM (line 1)",
            n_account: "an account 9999 (line 1)",
        }
        sage_lines = con.execute(
            "select d.invoice_no, d.header_seq_no, min(d.detail_seq_no) "
            "from raw_sage100.ar_invoice_history_detail as d "
            "inner join raw_sage100.ar_invoice_history_header as h "
            "on h.invoice_no = d.invoice_no and h.header_seq_no = d.header_seq_no "
            "where h.invoice_type = 'IN' and d.invoice_no not in (select unnest(?)) "
            "group by all order by d.invoice_no limit 2",
            [used],
        ).fetchall()
        (i_item, s_item, l_item), (i_acct, s_acct, l_acct) = sage_lines
        con.execute(
            "update raw_sage100.ar_invoice_history_detail set item_code = 'GHOST-1' "
            "where invoice_no = ? and header_seq_no = ? and detail_seq_no = ?",
            [i_item, s_item, l_item],
        )
        con.execute(
            "update raw_sage100.ar_invoice_history_detail set sales_acct_key = 'ZZZZZZZZZ' "
            "where invoice_no = ? and header_seq_no = ? and detail_seq_no = ?",
            [i_acct, s_acct, l_acct],
        )
        bill = con.execute(
            "select ap_division_no, vendor_no, invoice_no, header_seq_no "
            "from raw_sage100.ap_invoice_history_header "
            "where coalesce(invoice_amt, 0) > 0 order by invoice_no limit 1"
        ).fetchone()
        con.execute(
            "update raw_sage100.ap_invoice_history_header set expense_acct_key = 'YYYYYYYYY' "
            "where ap_division_no = ? and vendor_no = ? and invoice_no = ? and header_seq_no = ?",
            list(bill),
        )
        sage_customer = con.execute(
            "select document_key, document_number from core.documents where system = 'sage100' "
            "and document_type = 'sales_invoice' and document_number not in (select unnest(?)) "
            "and document_number not in (?, ?) order by document_number limit 1",
            [used, i_item, i_acct],
        ).fetchone()
        con.execute(
            "update core.documents "
            "set party_key = 'sage100:customer:01-NOSUCH', party_native_id = '01-NOSUCH' "
            "where document_key = ?",
            [sage_customer[0]],
        )
        broken |= {
            i_item: f"an item GHOST-1 (line {int(l_item)})",
            i_acct: f"an account AccountKey ZZZZZZZZZ (line {int(l_acct)})",
            bill[2]: "an account AccountKey YYYYYYYYY (line 1)",
            sage_customer[1]: "a customer/vendor 01-NOSUCH",
        }
        con.execute("checkpoint")
    fixed_failures = rebuild_recon(warehouse, FIXED)
    percent = root / "percent.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")
    percent.write_bytes(warehouse.read_bytes())
    percent_failures = rebuild_recon(percent, PERCENT)
    return Crafted(
        ledger,
        warehouse,
        receipts,
        (settled[0], settled[1], settled[3]),
        broken,
        fixed_failures,
        percent,
        percent_failures,
    )


@pytest.fixture(scope="module", params=["xero", "kashflow"])
def crafted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Crafted:
    built = other_company(request.param)
    assert not built.failures, built.failures
    return _craft(built, tmp_path_factory.mktemp(f"crafted-{request.param}"))


def _matches(warehouse: Path, ref: str) -> list[tuple]:
    return query(
        warehouse,
        "select document_number, allocated_amount, rule, writeoff_amount, decision, evidence "
        "from recon.payment_matches where payment_ref = ? order by rule, document_number",
        [ref],
    )


def _open_balance(warehouse: Path, document_number: str) -> list[tuple]:
    return query(
        warehouse,
        "select amount_due from recon.open_items where system <> 'sage100' and document_number = ?",
        [document_number],
    )


def test_crafted_builds_pass_their_dbt_tests(crafted: Crafted) -> None:
    assert crafted.fixed_failures == [], crafted.fixed_failures
    assert crafted.percent_failures == [], crafted.percent_failures


def test_underpayment_within_fixed_tolerance_proposes_the_writeoff(crafted: Crafted) -> None:
    r1 = crafted.receipts["R1-short-80c"]
    [(doc, allocated, rule, writeoff, decision, evidence)] = _matches(crafted.warehouse, r1.ref)
    assert (doc, allocated, rule, writeoff) == (r1.document_number, r1.amount, "tolerance", Decimal("0.80"))
    assert allocated + writeoff == r1.amount_due
    assert decision == "suggested" and "under-paid by 0.80" in evidence and "write-off proposed" in evidence
    # the payment names the invoice: the reference rule finds it and proposes the write-off too
    r4 = crafted.receipts["R4-named-short-50c"]
    [(doc, allocated, rule, writeoff, _, evidence)] = _matches(crafted.warehouse, r4.ref)
    assert (doc, allocated, rule, writeoff) == (r4.document_number, r4.amount, "reference", Decimal("0.50"))
    assert "write-off proposed" in evidence


def test_underpayment_beyond_fixed_tolerance_stays_partial(crafted: Crafted) -> None:
    for ref in ("R2-short-5", "R3-short-5pct"):
        r = crafted.receipts[ref]
        [(doc, allocated, rule, writeoff, decision, _)] = _matches(crafted.warehouse, ref)
        assert (doc, allocated, rule, writeoff, decision) == (
            r.document_number,
            r.amount,
            "oldest_first",
            None,
            "suggested",
        )
        # the open item keeps its balance: nothing is written off
        assert _open_balance(crafted.warehouse, r.document_number) == [(r.amount_due,)]


def test_percent_tolerance_configuration(crafted: Crafted) -> None:
    """2% instead of a fixed 1.00: 5.00 short of an item of at least 300 is within it, 5% short is not."""
    for ref in ("R1-short-80c", "R2-short-5"):
        r = crafted.receipts[ref]
        [(doc, allocated, rule, writeoff, _, _)] = _matches(crafted.percent, ref)
        assert (doc, allocated, rule) == (r.document_number, r.amount, "tolerance")
        assert writeoff == r.amount_due - r.amount
    r3 = crafted.receipts["R3-short-5pct"]
    [(doc, allocated, rule, writeoff, _, _)] = _matches(crafted.percent, r3.ref)
    assert (doc, allocated, rule, writeoff) == (r3.document_number, r3.amount, "oldest_first", None)


def _exceptions(warehouse: Path, etype: str, number: str) -> list[tuple]:
    return query(
        warehouse,
        "select exception_id, amount, related_document_number, details from recon.exceptions "
        "where exception_type = ? and document_number = ?",
        [etype, number],
    )


def test_unallocated_bank_receipts_are_unapplied_payments(crafted: Crafted) -> None:
    r5 = crafted.receipts["R5-nothing-open"]
    assert _matches(crafted.warehouse, r5.ref) == [
        (
            None,
            Decimal("123.45"),
            "unallocated",
            None,
            "suggested",
            "no rule allocated 123.45 of this payment",
        )
    ]
    [(exception_id, amount, _, details)] = _exceptions(crafted.warehouse, "unapplied_payment", r5.ref)
    assert amount == Decimal("123.45") and "is not applied to any open item" in details
    # the rest of an over-payment: the open item is paid in full, the 100.00 over is unapplied
    r6 = crafted.receipts["R6-over-100"]
    matches = _matches(crafted.warehouse, r6.ref)
    assert [(m[0], m[1], m[2]) for m in matches] == [
        (r6.document_number, r6.amount_due, "oldest_first"),
        (None, Decimal("100.00"), "unallocated"),
    ]
    [(_, amount, _, details)] = _exceptions(crafted.warehouse, "unapplied_payment", r6.ref)
    assert amount == Decimal("100.00") and f"matched to {r6.document_number}" in details
    # fully allocated receipts raise none
    for ref in ("R1-short-80c", "R2-short-5"):
        assert _exceptions(crafted.warehouse, "unapplied_payment", ref) == []
    # stable: the same id in the other build
    assert _exceptions(crafted.percent, "unapplied_payment", r5.ref)[0][0] == exception_id


def test_open_items_settled_on_one_side_only_are_exceptions(crafted: Crafted) -> None:
    source_number, sage_number, amount = crafted.settled_pair
    [(_, difference, related, details)] = _exceptions(
        crafted.warehouse, "payment_amount_mismatch", source_number
    )
    assert related == sage_number and difference == amount
    assert "the open items differ" in details and f"{amount} still due" in details
    # nowhere else: every other matched pair's open balances agree (or another exception explains them)
    others = query(
        crafted.warehouse,
        "select count(*) from recon.exceptions where natural_key like 'balance|%' and document_number <> ?",
        [source_number],
    )
    assert others == [(0,)]


def test_unknown_parties_items_and_accounts_are_orphan_references(crafted: Crafted) -> None:
    rows = query(
        crafted.warehouse,
        "select document_number, system, details from recon.exceptions "
        "where exception_type = 'orphan_reference' and natural_key like 'reference|%'",
    )
    found = {number: (system, details) for number, system, details in rows}
    assert set(found) == set(crafted.broken), found
    for number, named in crafted.broken.items():
        system, details = found[number]
        assert named in details and "does not hold" in details, (number, details)
    assert {s for s, _ in found.values()} == {crafted.ledger, "sage100"}


def test_supplier_credit_note_allocations_are_the_suppliers_credit(tmp_path: Path) -> None:
    """A Xero supplier credit note (ACCPAYCREDIT) applied to a bill is the supplier's credit against that
    bill: payment type ``vendor_credit``, the contact as a vendor, the bill as the open item."""
    built = other_company("xero")
    assert not built.failures, built.failures
    warehouse = crafted_copy(built, tmp_path / "supplier-credit.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        credit_note_id = con.execute(
            "select cn.credit_note_id from raw_xero.credit_notes as cn where cn.type = 'ACCRECCREDIT' "
            "and exists (select 1 from raw_xero.credit_notes__allocations as a "
            "where a._dlt_parent_id = cn._dlt_id) "
            "order by cn.credit_note_id limit 1"
        ).fetchone()[0]
        bill_id, bill_number, vendor_key = con.execute(
            "select native_id, document_number, party_key from intermediate.int_recon__documents "
            "where system = 'xero' and document_type = 'bill' order by document_key limit 1"
        ).fetchone()
        contact_id = vendor_key.removeprefix("xero:vendor:")
        con.execute(
            "update raw_xero.credit_notes set type = 'ACCPAYCREDIT', contact__contact_id = ? "
            "where credit_note_id = ?",
            [contact_id, credit_note_id],
        )
        con.execute(
            "update raw_xero.credit_notes__allocations set invoice__invoice_id = ?, "
            "invoice__invoice_number = ? "
            "where _dlt_parent_id = (select _dlt_id from raw_xero.credit_notes where credit_note_id = ?)",
            [bill_id, bill_number, credit_note_id],
        )
    assert rebuild_recon(warehouse) == []
    rows = query(
        warehouse,
        "select distinct payment_kind, payment_type, party_key, document_key "
        "from intermediate.int_recon__native_allocations where payment_system = 'xero' and payment_ref = ?",
        [credit_note_id],
    )
    assert rows == [("credit_note", "vendor_credit", vendor_key, f"xero:bill:{bill_id}")]
