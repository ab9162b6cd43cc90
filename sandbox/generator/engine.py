"""The day-by-day simulation: plan each day's documents, then write every event whose date has come.

Events wait in a heap keyed by (date, sequence); only clusters with events still to come stay in memory,
so memory grows with the number of open documents, not with the scenario size.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from . import masterdata
from .config import GENERATOR_VERSION, GeneratorConfig
from .dates import add_months
from .habits import HABITS, Habits
from .injections import Injector
from .kashflow import KashFlowWriter
from .ledgers import PROFILES
from .model import BankTxn, Doc, Journal, Payment, SageDoc, SageReceipt
from .planner import Planner
from .rng import Streams
from .sage100 import SageWriter
from .truth import TruthWriter
from .writers import write_json
from .xero import XeroWriter


@dataclass
class Result:
    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    injections: dict[str, int] = field(default_factory=dict)


def period(cfg: GeneratorConfig) -> tuple[date, date]:
    from .config import START_DATE

    return START_DATE, add_months(START_DATE, cfg.months) - timedelta(days=1)


def _quotas(days: list[date], total: int, seed_shift: float, habits: Habits) -> list[int]:
    """Spread ``total`` over ``days`` by the company's calendar habits (weekday, month end) and season,
    rounding cumulatively so the sum is exact."""
    weights = []
    for i, d in enumerate(days):
        season = 1.0 + 0.12 * ((d.month * 7 + 3) % 5 - 2) / 2 + seed_shift * (i / max(1, len(days)))
        weights.append(habits.day_weight(d) * season)
    scale = total / sum(weights)
    quotas, acc, given = [], 0.0, 0
    for w in weights:
        acc += w * scale
        q = round(acc) - given
        quotas.append(q)
        given += q
    return quotas


def _business_days(days: list[date]) -> tuple[set[date], set[date]]:
    first: dict[tuple[int, int], date] = {}
    last: dict[tuple[int, int], date] = {}
    for d in days:
        if d.weekday() >= 5:
            continue
        key = (d.year, d.month)
        first.setdefault(key, d)
        last[key] = d
    return set(first.values()), set(last.values())


def _release_lines(doc: Doc) -> None:
    """Lines are written; later events (payments, applications) only need totals, so free them early."""
    if doc.status == "VOIDED" and doc.void_date != doc.date:
        return  # the void event still reverses the lines
    doc.lines = []
    for sd in (doc.sage, doc.sage_dup):
        if sd is not None:
            sd.lines = []


def generate(cfg: GeneratorConfig, out: Path, progress: Callable[[str], None] | None = None) -> Result:
    """Write a complete scenario directory for ``cfg`` into ``out`` (which must exist and be empty)."""
    habits = HABITS[cfg.habits]
    profile = habits.profile(PROFILES[cfg.ledger])
    start, end = period(cfg)
    streams = Streams(cfg.seed)
    injector = Injector(cfg.rates, streams("injector"))
    master = masterdata.build(cfg, profile, streams, injector, start, end)
    planner = Planner(cfg, master, streams, injector, start, end)
    writer_cls = XeroWriter if cfg.ledger == "xero" else KashFlowWriter
    ledger = writer_cls(out, master, start, end, streams("ledger-writer"))
    sage = SageWriter(out, master, start, end, streams("sage-writer"), check=cfg.invoice_count <= 20_000)
    truth = TruthWriter(out, cfg.ledger)
    truth.master_injections(master)

    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    shift = streams("calendar").uniform(-0.05, 0.15)
    invoice_quota = _quotas(days, cfg.invoice_count, shift, habits)
    bill_quota = _quotas(days, cfg.bill_count, shift, habits)
    first_bd, last_bd = _business_days(days)
    heap: list[tuple[int, int, str, object]] = []
    seq = 0

    def dispatch(kind: str, obj: object) -> None:
        if kind == "doc":
            assert isinstance(obj, Doc)
            ledger.doc(obj)
            if obj.sage is not None:
                sage.doc(obj.sage)
            if obj.sage_dup is not None:
                sage.doc(obj.sage_dup)
            truth.doc(obj)
            _release_lines(obj)
        elif kind == "void":
            assert isinstance(obj, Doc)
            ledger.void(obj)
        elif kind == "payment":
            assert isinstance(obj, Payment)
            ledger.payment(obj)
            if obj.sage is not None:
                sage.receipt(obj.sage)
            if obj.sage_journal is not None:
                sage.journal(obj.sage_journal)
            truth.payment(obj)
        elif kind == "sage_doc":
            assert isinstance(obj, SageDoc)
            sage.doc(obj)
            truth.sage_doc(obj)
            obj.lines = []
        elif kind == "sage_receipt":
            assert isinstance(obj, SageReceipt)
            sage.receipt(obj)
            truth.sage_receipt(obj)
        elif kind == "bank":
            assert isinstance(obj, BankTxn)
            ledger.bank(obj)
            if obj.sage is not None:
                sage.journal(obj.sage)
            truth.bank(obj, obj.id if cfg.ledger == "xero" else str(obj.kf_id))
        elif kind == "journal":
            assert isinstance(obj, Journal)
            ledger.journal(obj)
            if obj.sage is not None:
                sage.journal(obj.sage)
            if obj.sage_extra is not None:
                sage.journal(obj.sage_extra)
            truth.journal(obj, obj.id if cfg.ledger == "xero" else str(obj.number))
        else:  # pragma: no cover - planner and engine agree on kinds
            raise ValueError(kind)

    for i, day in enumerate(days):
        events = planner.plan_day_journals(day, day in last_bd)
        events += planner.plan_day_bank(day, day in first_bd, day in last_bd)
        remaining = invoice_quota[i]
        while remaining > 0:
            planned, used = planner.plan_sales(day, remaining)
            events += planned
            remaining -= used
        remaining = bill_quota[i]
        while remaining > 0:
            planned, used = planner.plan_bills(day, remaining)
            events += planned
            remaining -= used
        for when, kind, obj in events:
            if when < day:
                raise AssertionError(f"event {kind} dated {when} planned on {day}")
            heapq.heappush(heap, (when.toordinal(), seq, kind, obj))
            seq += 1
        today = day.toordinal()
        while heap and heap[0][0] <= today:
            _, _, kind, obj = heapq.heappop(heap)
            dispatch(kind, obj)
        if progress and day.day == 1:
            progress(f"{day.isoformat()}: {seq} events planned, {len(heap)} pending")
    if heap:
        raise AssertionError(f"{len(heap)} events dated after the period end {end}")

    ledger.finalize()
    sage.finalize(planner.so_seq)
    truth.finalize(master, planner.noise_rows)

    result = Result(out=out)
    for w in ledger.files:
        result.counts[str(w.path.relative_to(out))] = w.count
    for _name, w in sorted(sage.w.items()):
        result.counts[str(w.path.relative_to(out))] = w.count
    for w in truth.files:
        result.counts[str(w.path.relative_to(out))] = w.count
    result.injections = dict(injector.counts)
    manifest = {
        "name": f"{cfg.ledger}-{cfg.size}-seed{cfg.seed}",
        "seed": cfg.seed,
        "ledger": cfg.ledger,
        "base_currency": profile.base_currency,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "generator_version": GENERATOR_VERSION,
        "size": cfg.size,
        "invoices": cfg.invoice_count,
        "company": profile.company_name,
        "rates": {k: cfg.rates.get(k, v) for k, v in sorted(injector.rates.items())},
        "tolerance": "0.01",
        "counts": dict(sorted(result.counts.items())),
        "format": "docs/scenario-format.md",
    }
    if cfg.habits != "generator":
        manifest["habits"] = cfg.habits
    write_json(out / "manifest.json", manifest)
    result.counts["manifest.json"] = 1
    return result
