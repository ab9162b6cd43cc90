"""Sign-in: bcrypt accounts with roles, refusals, lockout, OIDC role mapping; every page needs a user."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from app.settings import DEFAULT_USERS_FILE
from tests.test_app_support import APP_FILE, PASSWORDS, make_warehouse, sign_in, signed_in_app, texts


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def test_the_demo_accounts_have_hashed_passwords_and_roles() -> None:
    config = auth.load_users(DEFAULT_USERS_FILE)
    assert {n: a.role for n, a in config.accounts.items()} == {
        "preparer": "preparer",
        "approver": "approver",
        "approver2": "approver",
        "admin": "admin",
    }
    text = DEFAULT_USERS_FILE.read_text()
    for password in PASSWORDS.values():
        assert password not in text  # only hashes are stored
    for name, password in PASSWORDS.items():
        user = auth.verify(config, name, password)
        assert user is not None and user.username == name and user.role == config.accounts[name].role
    assert auth.verify(config, "approver", "preparer-demo") is None
    assert auth.verify(config, "nobody", "whatever") is None


def test_users_file_errors_say_what_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "users.toml"
    bad.write_text('[users.kim]\nrole = "boss"\npassword_hash = "$2b$04$abc"\n')
    with pytest.raises(
        auth.UsersFileError, match=r"role must be one of preparer, approver, admin, not 'boss'"
    ):
        auth.load_users(bad)
    bad.write_text('[users.kim]\nrole = "admin"\npassword_hash = "plain"\n')
    with pytest.raises(auth.UsersFileError, match="must be a bcrypt hash"):
        auth.load_users(bad)
    with pytest.raises(auth.UsersFileError, match="no users file at"):
        auth.load_users(tmp_path / "missing.toml")


def test_hash_password_and_oidc_roles(tmp_path: Path) -> None:
    digest = auth.hash_password("correct horse")
    assert bcrypt.checkpw(b"correct horse", digest.encode())
    with pytest.raises(ValueError, match="8 characters"):
        auth.hash_password("short")
    users = tmp_path / "users.toml"
    users.write_text(
        f'[users.kim]\nrole = "admin"\npassword_hash = "{digest}"\n'
        '[oidc]\ndefault_role = ""\n[oidc.users]\n"Controller@Example.com" = "approver"\n'
    )
    config = auth.load_users(users)
    assert auth.verify(config, "kim", "correct horse").role == "admin"
    assert auth.oidc_user(config, "controller@example.com", "C. Troller") == auth.User(
        "controller@example.com", "approver", "C. Troller", "oidc"
    )
    assert auth.oidc_user(config, "stranger@example.com", None) is None


def test_nothing_shows_before_sign_in_and_wrong_passwords_are_refused(warehouse: Path) -> None:
    at = AppTest.from_file(str(APP_FILE), default_timeout=30).run()
    assert texts(at, "title") == ["tieout"] and not at.metric and not at.dataframe
    sign_in(at, "approver", "wrong password")
    assert texts(at, "error") == ["Unknown user name or wrong password."]
    assert "user" not in at.session_state


def test_repeated_failures_lock_the_form(warehouse: Path) -> None:
    at = AppTest.from_file(str(APP_FILE), default_timeout=30).run()
    for _ in range(5):
        sign_in(at, "admin", "guess")
    sign_in(at, "admin", PASSWORDS["admin"])
    assert texts(at, "error") == ["Too many failed sign-ins: wait 30 seconds and try again."]


def test_signed_in_users_see_their_role_and_can_sign_out(warehouse: Path) -> None:
    at = signed_in_app("approver2")
    assert at.session_state["user"] == auth.User("approver2", "approver", "Sam Second-Approver", "password")
    assert "**Sam Second-Approver (approver)**" in texts(at, "markdown")
    next(b for b in at.button if b.label == "Sign out").click()
    at.run()
    assert "user" not in at.session_state and texts(at, "title") == ["tieout"]


def test_a_broken_users_file_is_reported(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEOUT_USERS_FILE", str(tmp_path / "none.toml"))
    at = AppTest.from_file(str(APP_FILE), default_timeout=30).run()
    assert texts(at, "error")[0].startswith("no users file at")


def test_single_sign_on_is_offered_only_when_configured(warehouse: Path) -> None:
    plain = AppTest.from_file(str(APP_FILE), default_timeout=30).run()
    assert "Sign in with single sign-on" not in [b.label for b in plain.button]
    at = AppTest.from_file(str(APP_FILE), default_timeout=30)
    at.secrets["auth"] = {  # the [auth] section of .streamlit/secrets.toml that st.login reads
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-secret",
        "client_id": "tieout",
        "client_secret": "s3cret",
        "server_metadata_url": "https://idp.example.test/.well-known/openid-configuration",
    }
    at.run()
    assert "Sign in with single sign-on" in [b.label for b in at.button]
    assert [b.label for b in at.get("form_submit_button")] == ["Sign in"]  # local accounts still work


def test_an_oidc_user_gets_the_role_of_the_users_file_or_nothing(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = tmp_path / "users.toml"
    users.write_text(
        f'[users.kim]\nrole = "admin"\npassword_hash = "{auth.hash_password("correct horse")}"\n'
        '[oidc]\ndefault_role = ""\n[oidc.users]\n"controller@example.com" = "approver"\n'
    )
    monkeypatch.setenv("TIEOUT_USERS_FILE", str(users))

    def after_login(email: str) -> AppTest:
        at = AppTest.from_file(str(APP_FILE), default_timeout=30)
        at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
        at.user = {"is_logged_in": True, "email": email, "name": "C. Troller"}
        return at.run()

    at = after_login("Controller@Example.com")
    assert at.session_state["user"] == auth.User("controller@example.com", "approver", "C. Troller", "oidc")
    assert "**C. Troller (approver)**" in texts(at, "markdown")
    at = after_login("stranger@example.com")
    assert texts(at, "error") == [
        "stranger@example.com has no role in tieout: ask an admin to add you to the users file."
    ]
    assert "user" not in at.session_state and not at.dataframe
