"""tieout — the reconciliation app (``tieout app`` runs ``streamlit run`` on this file).

Sign-in first (local accounts or OIDC), then the pages: Overview, Exceptions, Payment matching, Journals,
SQL, Pipeline, Mappings and Sign-off. Pages live in ``app/views/``; their data access in ``app/data/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from app import auth, ui

STARTED = time.perf_counter()  # this script reruns for every interaction: the start of this run
VIEWS = Path(__file__).resolve().parent / "views"
MAX_FAILURES = 5
LOCKOUT_SECONDS = 30

st.set_page_config(page_title="tieout", page_icon=":material/balance:", layout="wide")


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def _users() -> auth.UsersConfig | None:
    try:
        return auth.load_users(ui.settings().users_file)
    except auth.UsersFileError as exc:
        st.error(str(exc))
        return None


def _sign_in_form(config: auth.UsersConfig) -> None:
    failures = st.session_state.get("login_failures", [])
    recent = [t for t in failures if time.time() - t < LOCKOUT_SECONDS]
    with st.form("sign_in"):
        st.subheader("Sign in")
        username = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    if len(recent) >= MAX_FAILURES:
        st.error(f"Too many failed sign-ins: wait {LOCKOUT_SECONDS} seconds and try again.")
        return
    found = auth.verify(config, username, password)
    if found is None:
        st.session_state["login_failures"] = [*recent, time.time()]
        st.error("Unknown user name or wrong password.")
        return
    st.session_state["user"] = found
    st.session_state.pop("login_failures", None)
    st.rerun()


def _signed_in_user() -> auth.User | None:
    """The user of this session; shows the sign-in screen and returns None while there is none."""
    if "user" in st.session_state:
        return st.session_state["user"]
    config = _users()
    if config is None:
        return None
    if _oidc_configured() and st.user.get("is_logged_in", False):  # the key is absent until a login
        found = auth.oidc_user(config, st.user.get("email"), st.user.get("name"))
        if found is None:
            st.error(
                f"{st.user.get('email')} has no role in tieout: ask an admin to add you to the users file."
            )
            st.button("Sign out", on_click=st.logout)
            return None
        st.session_state["user"] = found
        return found
    st.title("tieout")
    st.caption("Reconciliation of your ledger with Sage 100: sign in to review, approve and sign off.")
    if _oidc_configured():
        st.button("Sign in with single sign-on", on_click=st.login, type="primary")
        st.divider()
    _sign_in_form(config)
    return None


def _sign_out() -> None:
    was_oidc = st.session_state.get("user") and st.session_state["user"].via == "oidc"
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if was_oidc:
        st.logout()


def main() -> None:
    user = _signed_in_user()
    if user is None:
        st.stop()
    pages = {
        "Reconcile": [
            st.Page(VIEWS / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page(VIEWS / "exceptions.py", title="Exceptions", icon=":material/report:"),
            st.Page(VIEWS / "payments.py", title="Payment matching", icon=":material/payments:"),
            st.Page(VIEWS / "journals.py", title="Journals", icon=":material/menu_book:"),
            st.Page(VIEWS / "signoff.py", title="Sign-off", icon=":material/task_alt:"),
        ],
        "Data": [
            st.Page(VIEWS / "sql.py", title="SQL", icon=":material/database:"),
            st.Page(VIEWS / "pipeline.py", title="Pipeline", icon=":material/sync:"),
            st.Page(VIEWS / "mappings.py", title="Mappings", icon=":material/account_tree:"),
        ],
    }
    navigation = st.navigation(pages)
    with st.sidebar:
        st.markdown(f"**{user.label}**")
        st.caption(f"Warehouse: `{ui.settings().warehouse}`")
        st.button("Sign out", on_click=_sign_out, key="sign_out")
    navigation.run()
    # the server's time for this run of the page (app/perf.py measures pages with it)
    st.session_state["_run_seconds"] = time.perf_counter() - STARTED


main()
