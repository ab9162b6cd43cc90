"""``tieout evaluate``: score the recon marts against a scenario's ``truth/``.

Reads ``truth/injections.csv`` (what was injected) and ``truth/payment_allocations.csv`` (how every
payment really applies) and compares them with ``recon.exceptions`` and ``recon.payment_matches``:

* exceptions, per type: a prediction and an injection agree when their types are equal and they name
  the same record — any of the prediction's ``document_number`` / ``related_document_number`` equals
  any of the injection's ``document_number`` / ``sage100_document`` once reduced to a key (upper-case
  alphanumerics, leading zeros dropped). Precision = agreeing predictions / predictions; recall =
  injections found / injections. Amounts tie when the agreeing pair's signed amounts are equal to the cent.
* payment allocations: (payment system, payment ref, document number) with amounts summed on both sides;
  an allocation is right when the key exists in the truth with the same amount to the cent.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from sandbox.generator.config import EXCEPTION_TYPES  # the contract's exception types, in DESIGN.md's order

ALLOCATION_PRECISION_TARGET = 0.995
ALLOCATION_RECALL_TARGET = 0.99
EXCEPTION_PRECISION_TARGET = 0.95
EXCEPTION_RECALL_TARGET = 0.98
CENT = Decimal("0.01")


class EvaluationError(RuntimeError):
    """The scenario or warehouse cannot be evaluated; the message says what is missing."""


def ref_key(value: object) -> str:
    """A reference reduced to a key: upper-case alphanumerics without leading zeros."""
    text = re.sub(r"[^A-Z0-9]", "", str(value or "").upper()).lstrip("0")
    return text


def money(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


@dataclass
class Score:
    """Precision and recall of one kind of prediction."""

    name: str
    predicted: int = 0
    correct_predictions: int = 0
    expected: int = 0
    found: int = 0
    amounts_compared: int = 0
    amounts_tied: int = 0

    @property
    def precision(self) -> float:
        if not self.predicted:
            return 0.0 if self.expected else 1.0
        return self.correct_predictions / self.predicted

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    def meets(self, precision: float, recall: float) -> bool:
        return self.precision >= precision and self.recall >= recall


@dataclass
class EvaluationReport:
    scenario: Path
    warehouse: Path
    exceptions: dict[str, Score] = field(default_factory=dict)
    allocations: Score = field(default_factory=lambda: Score("payment allocations"))

    @property
    def amounts_tie(self) -> bool:
        return all(s.amounts_tied == s.amounts_compared for s in self.exceptions.values())

    def failures(self) -> list[str]:
        """Targets not met, one readable line each."""
        out = []
        a = self.allocations
        if not a.meets(ALLOCATION_PRECISION_TARGET, ALLOCATION_RECALL_TARGET):
            out.append(
                f"payment allocations: precision {a.precision:.2%} / recall {a.recall:.2%} "
                f"(targets {ALLOCATION_PRECISION_TARGET:.1%} / {ALLOCATION_RECALL_TARGET:.0%})"
            )
        for name, s in self.exceptions.items():
            if s.expected and not s.meets(EXCEPTION_PRECISION_TARGET, EXCEPTION_RECALL_TARGET):
                out.append(
                    f"{name}: precision {s.precision:.2%} / recall {s.recall:.2%} "
                    f"(targets {EXCEPTION_PRECISION_TARGET:.0%} / {EXCEPTION_RECALL_TARGET:.0%})"
                )
        return out

    def render(self) -> str:
        lines = [f"evaluation of {self.warehouse} against {self.scenario / 'truth'}", ""]
        lines.append(
            f"{'exception type':<30} {'truth':>6} {'found':>6} {'pred':>6} {'precision':>10} "
            f"{'recall':>8} {'amounts tie':>12}"
        )
        for name in EXCEPTION_TYPES:
            s = self.exceptions.get(name, Score(name))
            ties = f"{s.amounts_tied}/{s.amounts_compared}" if s.amounts_compared else "-"
            lines.append(
                f"{name:<30} {s.expected:>6} {s.found:>6} {s.predicted:>6} {s.precision:>10.2%} "
                f"{s.recall:>8.2%} {ties:>12}"
            )
        a = self.allocations
        lines += [
            "",
            f"{'payment allocations':<30} {a.expected:>6} {a.found:>6} {a.predicted:>6} "
            f"{a.precision:>10.2%} {a.recall:>8.2%}",
        ]
        lines.append(f"exception amounts tie to the cent: {'yes' if self.amounts_tie else 'no'}")
        failures = self.failures()
        lines.append("targets met" if not failures else "targets missed:")
        lines += [f"  {f}" for f in failures]
        return "\n".join(lines)


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise EvaluationError(
            f"{path} is missing: evaluate needs a scenario directory with truth/ "
            f"(as written by `tieout sandbox generate`)"
        )
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _query(warehouse: Path, sql: str) -> list[tuple]:
    import duckdb

    if not warehouse.exists():
        raise EvaluationError(
            f"warehouse {warehouse} does not exist; run `tieout run` (or load and build) first"
        )
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.ConnectionException:
        # this process already holds the file open for writing (dbt ran in-process): share that
        con = duckdb.connect(str(warehouse))
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException as exc:
        raise EvaluationError(
            f"the recon marts are missing in {warehouse} ({exc}); run `tieout build` first"
        ) from None
    finally:
        con.close()


def score_exceptions(truth: list[dict[str, str]], predicted: list[tuple]) -> dict[str, Score]:
    """``predicted``: (exception_type, document_number, related_document_number, amount) rows."""
    scores = {name: Score(name) for name in EXCEPTION_TYPES}
    truth_by_type: dict[str, list[tuple[set[str], Decimal | None]]] = defaultdict(list)
    for row in truth:
        keys = {ref_key(row.get("document_number")), ref_key(row.get("sage100_document"))} - {""}
        truth_by_type[row["exception_type"]].append((keys, money(row.get("amount"))))
    pred_by_type: dict[str, list[tuple[set[str], Decimal | None]]] = defaultdict(list)
    for etype, number, related, amount in predicted:
        pred_by_type[etype].append(({ref_key(number), ref_key(related)} - {""}, money(amount)))
    for name in set(truth_by_type) | set(pred_by_type):
        s = scores.setdefault(name, Score(name))
        truths, preds = truth_by_type.get(name, []), pred_by_type.get(name, [])
        s.expected, s.predicted = len(truths), len(preds)
        index: dict[str, list[int]] = defaultdict(list)
        for i, (keys, _) in enumerate(truths):
            for k in keys:
                index[k].append(i)
        found: set[int] = set()
        for keys, amount in preds:
            hits = sorted({i for k in keys for i in index.get(k, [])})
            if not hits:
                continue
            s.correct_predictions += 1
            found.update(hits)
            truth_amount = truths[hits[0]][1]
            if truth_amount is not None and amount is not None:
                s.amounts_compared += 1
                s.amounts_tied += int(truth_amount == amount)
        s.found = len(found)
    return scores


def score_allocations(truth: list[dict[str, str]], predicted: list[tuple]) -> Score:
    """``predicted``: (payment_system, payment_ref, document_number, allocated_amount) rows."""
    s = Score("payment allocations")
    expected: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in truth:
        if not row.get("document_number"):
            continue
        key = (row["payment_system"], ref_key(row["payment_ref"]), ref_key(row["document_number"]))
        expected[key] += money(row["allocated_amount"]) or Decimal(0)
    got: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for system, ref, number, amount in predicted:
        if number is None or number == "":
            continue
        got[(system, ref_key(ref), ref_key(number))] += money(amount) or Decimal(0)
    s.expected, s.predicted = len(expected), len(got)
    right = sum(1 for k, v in got.items() if k in expected and expected[k] == v)
    s.correct_predictions = s.found = right
    return s


def evaluate(scenario: Path, warehouse: Path) -> EvaluationReport:
    """Compare the warehouse's recon marts with ``scenario/truth``."""
    scenario, warehouse = Path(scenario), Path(warehouse)
    injections = _read_csv(scenario / "truth" / "injections.csv")
    allocations = _read_csv(scenario / "truth" / "payment_allocations.csv")
    exceptions = _query(
        warehouse,
        "select exception_type, document_number, related_document_number, cast(amount as varchar) "
        "from recon.exceptions",
    )
    matches = _query(
        warehouse,
        "select payment_system, payment_ref, document_number, cast(allocated_amount as varchar) "
        "from recon.payment_matches",
    )
    report = EvaluationReport(scenario=scenario, warehouse=warehouse)
    report.exceptions = score_exceptions(injections, exceptions)
    report.allocations = score_allocations(allocations, matches)
    return report
