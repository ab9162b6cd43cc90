"""``tieout sandbox generate``: options, error messages and the printed summary."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sandbox.generator.config import DEFAULT_RATES, ConfigError, GeneratorConfig, parse_rates
from tests.test_generator_support import read_csv
from tieout.cli import app

runner = CliRunner()


def test_generate_prints_one_line_per_file(tmp_path):
    out = tmp_path / "scn"
    result = runner.invoke(
        app,
        [
            "sandbox",
            "generate",
            "--out",
            str(out),
            "--ledger",
            "kashflow",
            "--seed",
            "5",
            "--invoices",
            "150",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert len(lines) == len(files) + 1
    assert lines[-1].startswith(f"wrote {len(files)} files") and " s" in lines[-1]
    assert any(line.startswith("kashflow/invoices.json") and "rows" in line for line in lines)
    invoices = (out / "kashflow" / "invoices.json").read_text()
    assert invoices.startswith("[\n") and invoices.endswith("\n]\n")


def test_generate_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["sandbox", "generate", "--out", str(tmp_path), "--invoices", "50"])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_bad_rates_are_explained(tmp_path):
    result = runner.invoke(
        app, ["sandbox", "generate", "--out", str(tmp_path / "x"), "--rates", "amount_mismatch"]
    )
    assert result.exit_code == 2 and "type=rate" in result.output
    with pytest.raises(ConfigError, match="unknown exception type"):
        parse_rates("amount_mismatchh=0.1")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        parse_rates("amount_mismatch=2")
    with pytest.raises(ConfigError, match="at least 10"):
        GeneratorConfig(invoices=3)


def test_rates_override_the_defaults(tmp_path):
    rates = parse_rates("amount_mismatch=0, tax_mismatch=0.05")
    assert rates["amount_mismatch"] == 0 and rates["tax_mismatch"] == 0.05
    assert rates["duplicate_party"] == DEFAULT_RATES["duplicate_party"]
    out = tmp_path / "scn"
    result = runner.invoke(
        app,
        [
            "sandbox",
            "generate",
            "--out",
            str(out),
            "--invoices",
            "400",
            "--rates",
            "amount_mismatch=0,tax_mismatch=0.05",
        ],
    )
    assert result.exit_code == 0, result.output
    kinds = [r["exception_type"] for r in read_csv(out / "truth" / "injections.csv")]
    assert "amount_mismatch" not in kinds
    assert kinds.count("tax_mismatch") >= 5
