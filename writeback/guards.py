"""The checks every proposal passes before anything posts.

1. it is approved, and the approval is for its current ``content_hash`` (else the approval has lapsed);
2. nobody rejected this version;
3. the journal balances (per currency and in base currency, lines non-negative, two lines at least) and
   every account is mapped;
4. the period is open in the target (Xero's PeriodLockDate, Sage 100's fiscal periods);
5. the preparer did not approve it;
6. above the approval threshold, two different people approved it;
7. no other version of the same proposal was posted already.

``check`` returns the refusals as sentences that say what is wrong and what to do; empty means go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from writeback.approvals import ApprovalStatus
from writeback.money import ZERO
from writeback.proposals import Proposal

UNMAPPED = "UNMAPPED:"
"""Prefix the marts give a line whose source account has no confirmed mapping."""

PeriodCheck = Callable[[date], str | None]
"""Returns None when ``date`` is open in the target, else why it is not."""


def balance_problems(proposal: Proposal) -> list[str]:
    """Why the journal of ``proposal`` does not balance (empty for master data)."""
    if proposal.is_master_data:
        return []
    problems = []
    if len(proposal.lines) < 2:
        problems.append(f"the journal has {len(proposal.lines)} line(s); a journal needs two at least")
    for number, line in enumerate(proposal.lines, start=1):
        if line.debit < ZERO or line.credit < ZERO:
            problems.append(f"line {number} has a negative amount; use debit or credit, both >= 0")
        elif line.debit and line.credit:
            problems.append(f"line {number} has both a debit and a credit; split it into two lines")
        elif not line.debit and not line.credit:
            problems.append(f"line {number} ({line.account}) has no amount")
        if not line.account:
            problems.append(f"line {number} has no account")
        elif line.account.upper().startswith(UNMAPPED):
            problems.append(
                f"line {number}'s account {line.account} has no {proposal.target} account: confirm its "
                "account mapping, then rebuild (`tieout build`) so the proposal uses it"
            )
        if not line.currency:
            problems.append(f"line {number} has no currency")
    for currency, (debit, credit) in sorted(proposal.totals().items()):
        if debit != credit:
            problems.append(
                f"the journal does not balance in {currency or '?'}: debits {debit:,.2f} "
                f"!= credits {credit:,.2f} (difference {debit - credit:,.2f})"
            )
    for currency, (debit, credit) in sorted(proposal.base_totals().items()):
        if debit != credit:
            problems.append(
                f"the journal's base-currency amounts do not balance in {currency}: debits {debit:,.2f} "
                f"!= credits {credit:,.2f} (difference {debit - credit:,.2f}); rebuild it (`tieout build`)"
            )
    with_base = sum(1 for line in proposal.lines if line.has_base)
    if 0 < with_base < len(proposal.lines):
        problems.append(
            f"{len(proposal.lines) - with_base} line(s) lack base-currency amounts that the others carry"
        )
    return problems


def check(
    status: ApprovalStatus,
    *,
    threshold: Decimal,
    period_check: PeriodCheck | None = None,
    posted_versions: Iterable[str] = (),
) -> list[str]:
    """Every reason not to post ``status.proposal`` now (empty list: it may post)."""
    p = status.proposal
    refusals: list[str] = []
    if not status.approvers:
        if status.lapsed:
            who = ", ".join(sorted({d.who for d in status.lapsed}))
            old = ", ".join(sorted({d.content_hash[:12] for d in status.lapsed}))
            refusals.append(
                f"the approval has lapsed: {who} approved version {old}, but the proposal has changed since "
                f"(now {p.content_hash[:12]}); review it and approve it again"
            )
        else:
            refusals.append("it is not approved yet")
    if status.rejected_by:
        refusals.append(f"{', '.join(status.rejected_by)} rejected this version")
    refusals.extend(balance_problems(p))
    if not p.is_master_data:
        if p.posting_date is None:
            refusals.append("it has no posting_date")
        elif period_check is not None:
            closed = period_check(p.posting_date)
            if closed:
                refusals.append(closed)
    if status.preparer in status.approvers:
        refusals.append(
            f"{status.preparer} prepared it and also approved it; the preparer cannot approve their own "
            "proposal: another approver must approve it"
        )
    others = [a for a in status.approvers if a != status.preparer]
    if (p.flagged or p.amount > threshold) and len(others) < 2:
        refusals.append(
            f"{p.amount:,.2f} {p.currency} is above the approval threshold of {threshold:,.2f}: it needs two "
            f"different approvers and has {len(others)}" + (f" ({', '.join(others)})" if others else "")
        )
    earlier = sorted(v for v in posted_versions if v != p.content_hash)
    if earlier:
        refusals.append(
            f"version {earlier[0][:12]} of this proposal was already posted to {p.target}; load and build "
            "again (`tieout run`) so the proposals reflect it before posting another version"
        )
    return refusals
