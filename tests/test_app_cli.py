"""``tieout app`` and ``tieout refresh`` from the command line."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest
from typer.testing import CliRunner

from tieout.cli import app

runner = CliRunner()


def test_hash_password_prints_a_bcrypt_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["a long password", "a long password"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    result = runner.invoke(app, ["app", "--hash-password"])
    assert result.exit_code == 0
    assert bcrypt.checkpw(b"a long password", result.output.strip().encode())


def test_hash_password_refuses_two_different_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["a long password", "another password"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    result = runner.invoke(app, ["app", "--hash-password"])
    assert result.exit_code == 2 and "the two passwords differ" in result.output


def test_a_missing_users_file_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["app", "--warehouse", str(tmp_path / "w.duckdb"), "--users-file", str(tmp_path / "none.toml")]
    )
    assert result.exit_code == 2 and "no users file at" in result.output


def test_a_bad_sandbox_directory_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["app", "--warehouse", str(tmp_path / "w.duckdb"), "--sandbox", str(tmp_path)]
    )
    assert result.exit_code == 2 and "is not a scenario directory (no manifest.json)" in result.output


def test_refresh_reports_a_failed_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__LEDGER", "none")
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", "Driver={SQLite3};Database=/nonexistent/x.db")
    result = runner.invoke(app, ["refresh", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    assert "refresh failed" in result.output and "sage100 failed to load" in result.output


def test_the_demo_accounts_are_printed_with_their_roles() -> None:
    from tieout.app_cli import demo_accounts

    lines = demo_accounts()
    for name, password, role in (
        ("preparer", "preparer-demo", "preparer"),
        ("approver", "approver-demo", "approver"),
        ("approver2", "approver2-demo", "approver"),
        ("admin", "admin-demo", "admin"),
    ):
        assert any(line.split() == [name, "password", password, "role", role] for line in lines), lines
