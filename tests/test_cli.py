"""The ``tieout`` command lists every step and each step documents its options."""

import subprocess
import sys

from typer.testing import CliRunner

from tieout.cli import app

runner = CliRunner()


def test_help_lists_every_step():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for step in ["sandbox"]:
        assert step in result.output


def test_sandbox_help_lists_its_commands():
    result = runner.invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    for command in ["generate", "sage100"]:
        assert command in result.output


def test_generate_help_documents_options():
    result = runner.invoke(app, ["sandbox", "generate", "--help"])
    assert result.exit_code == 0
    for option in ["--ledger", "--seed", "--size", "--invoices", "--out"]:
        assert option in result.output


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "tieout.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "sandbox" in out
