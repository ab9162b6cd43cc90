"""Scoring rules of ``tieout evaluate`` on hand-made rows (no warehouse)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tieout import evaluate
from tieout.cli import app


def test_ref_key_ignores_punctuation_case_and_leading_zeros() -> None:
    assert evaluate.ref_key("inv-0042") == evaluate.ref_key("INV0042") == "INV0042"
    assert evaluate.ref_key("0000042") == "42"
    assert evaluate.ref_key(None) == ""


def test_exceptions_match_on_either_number_and_tie_amounts() -> None:
    truth = [
        {
            "exception_type": "amount_mismatch",
            "document_number": "INV-0113",
            "sage100_document": "0000113",
            "amount": "672.21",
        },
        {
            "exception_type": "amount_mismatch",
            "document_number": "INV-0200",
            "sage100_document": "0000200",
            "amount": "5.00",
        },
        {
            "exception_type": "duplicate_party",
            "document_number": "C00025",
            "sage100_document": "HEATHMAINT",
            "amount": "",
        },
    ]
    predicted = [
        ("amount_mismatch", "113", None, "672.21"),  # Sage number, reduced: found, amount ties
        ("amount_mismatch", "INV-0999", None, "1.00"),  # not injected: a false positive
        ("duplicate_party", "HEATHMAINT", "C00025", None),
    ]
    scores = evaluate.score_exceptions(truth, predicted)
    am = scores["amount_mismatch"]
    assert (am.expected, am.found, am.predicted, am.correct_predictions) == (2, 1, 2, 1)
    assert am.precision == pytest.approx(0.5) and am.recall == pytest.approx(0.5)
    assert (am.amounts_compared, am.amounts_tied) == (1, 1)
    assert scores["duplicate_party"].recall == 1.0 and scores["duplicate_party"].precision == 1.0
    assert scores["tax_mismatch"].precision == 1.0  # nothing expected, nothing predicted


def test_allocations_need_the_same_amount_to_the_cent() -> None:
    truth = [
        {
            "payment_system": "xero",
            "payment_ref": "p1",
            "document_number": "INV-1",
            "allocated_amount": "10.00",
        },
        {
            "payment_system": "xero",
            "payment_ref": "p1",
            "document_number": "INV-2",
            "allocated_amount": "5.00",
        },
        {
            "payment_system": "xero",
            "payment_ref": "p2",
            "document_number": "",
            "allocated_amount": "3.00",
        },  # on account
    ]
    predicted = [
        ("xero", "P1", "inv-1", Decimal("10.00")),
        ("xero", "p1", "INV-2", Decimal("5.01")),
        ("xero", "p2", None, Decimal("3.00")),
    ]
    s = evaluate.score_allocations(truth, predicted)
    assert (s.expected, s.predicted, s.found) == (2, 2, 1)


def test_missing_truth_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(evaluate.EvaluationError, match="truth"):
        evaluate.evaluate(tmp_path, tmp_path / "none.duckdb")
    result = CliRunner().invoke(
        app, ["evaluate", "--scenario", str(tmp_path), "--warehouse", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "truth" in result.output
