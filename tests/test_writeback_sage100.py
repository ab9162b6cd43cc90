"""Sage 100 writeback: VI import files applied to the sandbox company, exactly once, with VI's refusals."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.sage100.vi_import import ViJob, ViRejected
from tests.test_writeback_support import (
    NEW_CUSTOMER_ROW,
    NEW_VENDOR_ROW,
    Journal,
    SageEnv,
    approve_all,
    company_locked,
    gl_journal,
    line,
    make_sage_env,
    write_proposals,
)
from writeback import audit
from writeback import outbox as ob
from writeback.proposals import load_proposals
from writeback.targets import vi_layouts as vi
from writeback.warehouse import connect


@pytest.fixture
def env(tmp_path: Path) -> SageEnv:
    return make_sage_env(tmp_path)


def receipt(
    pid: str = "P-CR",
    amount: str = "542.50",
    invoice: str = "0100002",
    customer: str = "00-ABF",
    day: str = "2026-03-16",
) -> Journal:
    return Journal(
        pid,
        "sage100",
        day,
        [
            line("1000-00-00", debit=amount),
            line("1200-00-00", credit=amount, party=customer, document_number=invoice, reference="4411"),
        ],
        kind="cash_receipt",
        description="Check 4411 Acme Bakery",
    )


def dec(value: object) -> Decimal:
    return Decimal(str(value))


def test_journal_receipt_customer_and_vendor_post_once_into_the_company(env: SageEnv) -> None:
    gl, cr = gl_journal("P-GL"), receipt()
    write_proposals(env.warehouse, [gl, cr], [NEW_CUSTOMER_ROW, NEW_VENDOR_ROW])
    approve_all(env.warehouse, gl, cr, "MD-C1", "MD-V1")
    report = env.run()
    assert report.exit_code == 0 and len(report.posted) == 4

    gj = env.rows(
        "SELECT AccountKey, DebitAmount, CreditAmount, JournalRegisterNo, DocumentNo, PostingComment "
        "FROM GL_DetailPosting WHERE SourceJournal = 'GJ' ORDER BY SequenceNo"
    )
    assert [(a, dec(d), dec(c)) for a, d, c, *_ in gj] == [
        ("000000004", Decimal("125.5"), Decimal(0)),
        ("000000001", Decimal(0), Decimal("125.5")),
    ]
    assert {r[3] for r in gj} == {"000001"} and {r[4] for r in gj} == {vi.entry_no(gl.key)}
    assert gj[0][5].rstrip() == "accrual"

    cash = env.rows(
        "SELECT AccountKey, DebitAmount, CreditAmount FROM GL_DetailPosting WHERE SourceJournal = 'CR' "
        "ORDER BY SequenceNo"
    )
    assert [(a, dec(d), dec(c)) for a, d, c in cash] == [
        ("000000001", Decimal("542.5"), Decimal(0)),
        ("000000002", Decimal(0), Decimal("542.5")),
    ]
    (deposit,) = env.rows(
        "SELECT CustomerNo, InvoiceNo, CashAmountApplied, InvoiceBalance, CheckNo FROM AR_CashReceiptsHistory"
    )
    assert (deposit[0].rstrip(), deposit[1], dec(deposit[2]), dec(deposit[3]), deposit[4].rstrip()) == (
        "ABF",
        "0100002",
        Decimal("542.5"),
        Decimal(0),
        "4411",
    )
    balances = dict(env.rows("SELECT InvoiceNo, Balance FROM AR_OpenInvoice"))
    assert dec(balances["0100002"]) == 0 and dec(balances["0100001"]) == Decimal("1107.5")
    (customer_balance,) = env.rows("SELECT CurrentBalance FROM AR_Customer WHERE CustomerNo LIKE 'ABF%'")
    assert dec(customer_balance[0]) == Decimal("1107.5")
    (paid,) = env.rows("SELECT TransactionType, TransactionAmt FROM AR_TransactionPaymentHistory")
    assert paid[0] == "P" and dec(paid[1]) == Decimal("542.5")

    (new,) = env.rows(
        "SELECT CustomerName, City, CustomerStatus FROM AR_Customer WHERE CustomerNo LIKE 'NEWCO%'"
    )
    assert (new[0].rstrip(), new[1].rstrip(), new[2]) == ("New Co Ltd", "Austin", "A")
    (state,) = env.rows("SELECT State, ZipCode FROM AR_Customer WHERE CustomerNo LIKE 'NEWCO%'")
    assert (state[0], state[1].rstrip()) == ("TX", "78701")
    (vendor,) = env.rows("SELECT VendorName FROM AP_Vendor WHERE VendorNo = '0000077'")
    assert vendor[0].rstrip() == "Flour Supply Co"

    history = {
        r[0]: (dec(r[1]), dec(r[2]))
        for r in env.rows(
            "SELECT AccountKey, DebitAmount, CreditAmount FROM GL_PeriodPostingHistory "
            "WHERE FiscalPeriod = '03'"
        )
    }
    assert history["000000001"] == (Decimal("542.5"), Decimal("125.5"))
    files = sorted(p.name for p in env.import_dir.iterdir())
    assert files == sorted(
        f"{vi.entry_no(k)}_{job}.csv"
        for k, job in (
            (gl.key, "TIEOUT_GL"),
            (cr.key, "TIEOUT_CR"),
            (_key(env, "MD-C1"), "TIEOUT_CUST"),
            (_key(env, "MD-V1"), "TIEOUT_VEND"),
        )
    )

    again = env.run()
    assert again.posted == [] and again.exit_code == 0
    assert len(env.rows("SELECT * FROM GL_DetailPosting")) == 2 + 2 + 2  # the scenario's 2 + GJ 2 + CR 2
    assert {state for state, _ in env.outbox().values()} == {"posted"}


def _key(env: SageEnv, pid: str) -> str:
    with connect(env.warehouse) as con:
        return load_proposals(con)[pid].key


def test_new_rows_are_stamped_so_the_incremental_load_sees_them(env: SageEnv) -> None:
    cr = receipt()
    write_proposals(env.warehouse, [cr])
    approve_all(env.warehouse, cr)
    env.run()
    stamps = env.rows("SELECT DateCreated, DateUpdated, UserCreatedKey FROM AR_CashReceiptsHistory")
    assert all(c == u and c.year >= 2026 and user == "0000000099" for c, u, user in stamps)
    # like Sage's bulk processes, the open-item update leaves DateUpdated alone
    (open_item,) = env.rows("SELECT DateUpdated FROM AR_OpenInvoice WHERE InvoiceNo = '0100002'")
    assert open_item[0].isoformat() == "2025-01-02"


def test_dry_run_prints_the_vi_file_and_writes_nothing(env: SageEnv) -> None:
    gl = gl_journal("P-GL")
    write_proposals(env.warehouse, [gl])
    approve_all(env.warehouse, gl)
    printed: list[str] = []
    report = env.run(dry_run=True, echo=printed.append)
    text = "\n".join(printed)
    assert report.would_post and "Dry run: 1 posting(s) would be sent" in text
    assert (
        f"Sage 100 VI job TIEOUT_GL, file {env.import_dir / (vi.entry_no(gl.key) + '_TIEOUT_GL.csv')}" in text
    )
    expected = vi.render(
        vi.GL_JOB,
        [
            {
                "EntryNo": vi.entry_no(gl.key),
                "PostingDate": "03/15/2026",
                "SourceJournal": "GJ",
                "JournalComment": "Accrual P-GL",
                "LineNo": "1",
                "Account": "6000-00-00",
                "DebitAmount": "125.50",
                "CreditAmount": "0.00",
                "LineComment": "accrual",
                "CurrencyCode": "USD",
            },
            {
                "EntryNo": vi.entry_no(gl.key),
                "PostingDate": "03/15/2026",
                "SourceJournal": "GJ",
                "JournalComment": "Accrual P-GL",
                "LineNo": "2",
                "Account": "1000-00-00",
                "DebitAmount": "0.00",
                "CreditAmount": "125.50",
                "LineComment": "Accrual P-GL",
                "CurrencyCode": "USD",
            },
        ],
    )
    assert expected in text
    assert not env.import_dir.exists()
    assert env.outbox() == {}
    assert env.rows("SELECT * FROM GL_DetailPosting WHERE SourceJournal = 'GJ'") == []
    with connect(env.warehouse) as con:
        assert [e.action for e in audit.entries(con)] == ["approved"]
    # what the dry run printed is exactly the file the real run hands to the VI job
    env.run()
    (written,) = env.import_dir.glob("*_TIEOUT_GL.csv")
    assert written.read_bytes().decode("utf-8") == expected  # CRLF line ends kept


def test_every_vi_layout_column_is_documented() -> None:
    """docs/visual-integrator.md describes every column of every import file tieout writes."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "visual-integrator.md").read_text()
    for job, columns in vi.LAYOUTS.items():
        assert f"`{job}" in docs, job
        missing = [c for c in columns if c not in docs]
        assert not missing, f"{job}: {missing} are not in docs/visual-integrator.md"


def test_vi_rejects_an_out_of_balance_deposit_and_writes_nothing(env: SageEnv) -> None:
    path = env.root / "bad_TIEOUT_CR.csv"
    path.write_text(
        vi.render(
            vi.CR_JOB,
            [
                {
                    "EntryNo": "TBAD000001",
                    "BankCode": "A",
                    "DepositDate": "03/16/2026",
                    "DepositType": "C",
                    "DepositAmount": "600.00",
                    "CashAccount": "1000-00-00",
                    "LineNo": "1",
                    "ARDivisionNo": "00",
                    "CustomerNo": "ABF",
                    "InvoiceNo": "0100002",
                    "InvoiceType": "IN",
                    "CashApplied": "542.50",
                    "DiscountApplied": "0.00",
                },
            ],
        )
    )
    with pytest.raises(ViRejected, match="distribution is out of balance"):
        ViJob(env.db).run(vi.CR_JOB, path)
    assert env.rows("SELECT * FROM AR_CashReceiptsHistory") == []


def test_vi_rejects_a_closed_period(env: SageEnv) -> None:
    path = env.root / "closed_TIEOUT_GL.csv"
    path.write_text(
        vi.render(
            vi.GL_JOB,
            [
                {
                    "EntryNo": "TCLOSED001",
                    "PostingDate": "01/15/2026",
                    "SourceJournal": "GJ",
                    "LineNo": "1",
                    "Account": "6000-00-00",
                    "DebitAmount": "10.00",
                    "CreditAmount": "0.00",
                },
                {
                    "EntryNo": "TCLOSED001",
                    "PostingDate": "01/15/2026",
                    "SourceJournal": "GJ",
                    "LineNo": "2",
                    "Account": "1000-00-00",
                    "DebitAmount": "0.00",
                    "CreditAmount": "10.00",
                },
            ],
        )
    )
    with pytest.raises(ViRejected, match="fiscal period 2026-01 .* which is closed"):
        ViJob(env.db).run(vi.GL_JOB, path)
    assert env.rows("SELECT * FROM GL_DetailPosting WHERE SourceJournal = 'GJ'") == []


@pytest.mark.parametrize(
    ("journal", "reason"),
    [
        (gl_journal("P-OLD", debit="6999-00-00"), "Account 6999-00-00 is inactive or deleted"),
        (gl_journal("P-NONE", debit="9999-00-00"), "Account 9999-00-00 is not on file (GL_Account)"),
        (receipt(amount="600.00"), "Invoice 0100002: cash applied 600.00 exceeds its balance 542.50"),
        (receipt(customer="00-NOBODY"), "Customer 00-NOBODY is not on file"),
        (receipt(invoice="0199999"), "Invoice 0199999 (IN) is not an open invoice of customer 00-ABF"),
    ],
)
def test_a_refused_import_goes_to_dead_letter_with_vis_reason(
    env: SageEnv, journal: Journal, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    write_proposals(env.warehouse, [journal])
    approve_all(env.warehouse, journal)
    with caplog.at_level(logging.ERROR, logger="tieout.writeback"):
        report = env.run()
    assert report.exit_code == 1 and len(report.dead_letter) == 1
    state, error = env.outbox()[journal.key]
    assert state == "dead-letter" and "Visual Integrator rejected" in error and reason in error
    assert any("dead-letter" in r.getMessage() and reason in r.getMessage() for r in caplog.records)
    assert len(env.rows("SELECT * FROM GL_DetailPosting")) == 2  # only the scenario's own rows
    assert env.run().dead_letter == []  # a dead letter is not retried


def test_a_failure_inside_the_import_rolls_everything_back(env: SageEnv) -> None:
    cr = receipt()
    write_proposals(env.warehouse, [cr])
    approve_all(env.warehouse, cr)
    steps: list[str] = []

    def stop_after_three(name: str) -> None:
        steps.append(name)
        if len(steps) == 3:
            raise KeyboardInterrupt("power cut")

    from writeback.targets.sage100 import Sage100Target

    before = {
        t: env.rows(f"SELECT * FROM {t}") for t in ("AR_OpenInvoice", "AR_Customer", "GL_DetailPosting")
    }
    with pytest.raises(KeyboardInterrupt):
        env.run(targets={"sage100": Sage100Target(ViJob(env.db, on_step=stop_after_three), env.import_dir)})
    assert steps[:3] == [
        "insert AR_CashReceiptsHistory",
        "update AR_OpenInvoice",
        "insert AR_TransactionPaymentHistory",
    ]
    assert env.rows("SELECT * FROM AR_CashReceiptsHistory") == []
    assert {t: env.rows(f"SELECT * FROM {t}") for t in before} == before
    assert env.outbox()[cr.key][0] == "sending"
    report = env.run()  # the next run asks the company, finds nothing and posts
    assert len(report.posted) == 1 and not report.recovered
    assert len(env.rows("SELECT * FROM AR_CashReceiptsHistory")) == 1


def test_an_entry_posted_before_a_crash_is_recovered_not_posted_again(env: SageEnv) -> None:
    gl = gl_journal("P-GL")
    write_proposals(env.warehouse, [gl])
    approve_all(env.warehouse, gl)
    with connect(env.warehouse) as con:
        proposal = load_proposals(con)["P-GL"]
        ob.enqueue(con, proposal, "writeback", ["alice"])
        ob.mark_sending(con, [gl.key], "writeback")
        item = ob.get(con, gl.key).item()
    (result,) = env.target().post([item])  # the import ran, then the process died before recording it
    assert result.ok
    report = env.run()
    assert report.posted == [] and report.recovered == [f"P-GL:{gl.content_hash[:12]} -> GJ register 000001"]
    assert len(env.rows("SELECT * FROM GL_DetailPosting WHERE SourceJournal = 'GJ'")) == 2
    with connect(env.warehouse) as con:
        assert [e.action for e in audit.entries(con, f"outbox:{gl.key}")] == ["enqueue", "send", "recovered"]
        assert audit.verify(con).ok


def test_a_busy_company_is_retried_by_later_runs_then_dead_lettered(env: SageEnv) -> None:
    gl = gl_journal("P-GL")
    write_proposals(env.warehouse, [gl])
    approve_all(env.warehouse, gl)
    for attempt in (1, 2):
        with company_locked(env) as target:
            report = env.run(targets={"sage100": target}, settings=env.settings(max_attempts=3))
        assert env.outbox()[gl.key][0] == "failed" and "locked by another process" in report.failed[0]
        assert attempt == 1 or report.failed
    report = env.run(settings=env.settings(max_attempts=3))  # the lock is gone: posted on the third attempt
    assert len(report.posted) == 1 and env.outbox()[gl.key][0] == "posted"

    other = gl_journal("P-GL2")
    write_proposals(env.warehouse, [gl, other])
    approve_all(env.warehouse, other)
    for _ in range(3):
        with company_locked(env) as target:
            report = env.run(targets={"sage100": target}, settings=env.settings(max_attempts=3))
    assert env.outbox()[other.key][0] == "dead-letter"
    assert report.dead_letter[0].startswith(f"P-GL2:{other.content_hash[:12]}: gave up after 3 attempts")


def test_only_parties_missing_in_sage100_become_proposals(env: SageEnv) -> None:
    from writeback.proposals import sage_party_code

    long_code = {**NEW_VENDOR_ROW, "delta_id": "MD-V2", "party_code": "SUPPLIER-00042", "party_name": "Mill"}
    no_code = {**NEW_CUSTOMER_ROW, "delta_id": "MD-C2", "party_code": None, "party_name": "Bäckerei Öz & Co"}
    write_proposals(env.warehouse, [], [NEW_CUSTOMER_ROW, long_code, no_code])
    with connect(env.warehouse) as con:
        proposals = load_proposals(con)
    assert sorted(proposals) == ["MD-C1", "MD-C2", "MD-V2"]  # not the field difference, not the item
    assert proposals["MD-C1"].party["party_code"] == "NEWCO" and proposals["MD-C1"].kind == "new_customer"
    vendor_code = proposals["MD-V2"].party["party_code"]
    assert len(vendor_code) == 7 and vendor_code.isdigit()  # Sage 100 vendor numbers are 7 characters
    customer_code = proposals["MD-C2"].party["party_code"]
    assert customer_code.startswith("BACKEREIOZCO") and len(customer_code) <= 20
    assert (
        sage_party_code("customer", None, "Bäckerei Öz & Co", "xero|customer|Bäckerei Öz & Co")
        == customer_code
    )
    changed = {**NEW_CUSTOMER_ROW, "city": "Dallas"}
    write_proposals(env.warehouse, [], [changed])
    with connect(env.warehouse) as con:
        assert load_proposals(con)["MD-C1"].content_hash != proposals["MD-C1"].content_hash
