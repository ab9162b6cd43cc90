"""Xero OAuth: client credentials, rotating refresh tokens kept in an atomic token store."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap

import httpx
import pytest

from dlt_pipelines.common.token_store import TokenStore, fingerprint
from dlt_pipelines.xero.auth import XeroAuth, XeroAuthError
from sandbox.xero.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from tests.test_load_xero_support import table_counts, write_xero_scenario, xero_sandbox, xero_settings
from tieout.load import run_load

pytestmark = pytest.mark.integration


def _auth(
    handle, store: TokenStore | None, refresh_token: str | None = DEFAULT_REFRESH_TOKEN, **kw
) -> XeroAuth:
    return XeroAuth(
        token_url=f"{handle.url}/connect/token",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        grant_type="refresh_token",
        refresh_token=refresh_token,
        store=store,
        http=httpx.Client(),
        **kw,
    )


def _live(handle, token: str) -> bool:
    """The sandbox still accepts ``token`` as a refresh token (not rotated out)."""
    record = handle.app.state.sandbox.tokens._refresh.get(token)
    return record is not None and record.replaced_at is None


def test_refresh_token_rotation_is_stored_and_used_next_run(tmp_path, monkeypatch):
    expected = write_xero_scenario(tmp_path / "scn", invoices=30)
    store_path = tmp_path / "tokens" / "xero_tokens.json"
    warehouse = tmp_path / "w.duckdb"
    # a rotated-out refresh token stops working at once: only the stored newest one can sign in
    with xero_sandbox(tmp_path / "scn", refresh_grace=0) as handle:
        env = xero_settings(
            handle,
            grant_type="refresh_token",
            refresh_token=DEFAULT_REFRESH_TOKEN,
            token_store_path=store_path,
        )
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for _ in range(2):
            report = run_load("xero", warehouse=warehouse, echo=lambda _: None, progress_interval=0)
            assert report.results[0].status == "ok", report.results[0].message
            stored = json.loads(store_path.read_text())
            assert stored["refresh_token"] != DEFAULT_REFRESH_TOKEN and _live(handle, stored["refresh_token"])
            assert stored["seed_fingerprint"] == fingerprint(DEFAULT_REFRESH_TOKEN)
        assert handle.app.state.sandbox.tokens.grants["refresh_token"] == 2
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    assert list(store_path.parent.iterdir()) == [store_path]  # no temp files left behind
    assert table_counts(warehouse, "raw_xero")["invoices"] == expected["counts"]["invoices"]


def test_a_crash_right_after_rotation_keeps_the_only_valid_token(tmp_path):
    write_xero_scenario(tmp_path / "scn", invoices=3)
    store_path = tmp_path / "xero_tokens.json"
    with xero_sandbox(tmp_path / "scn", refresh_grace=0) as handle:
        # a process renews its access token and dies before doing anything else
        script = textwrap.dedent(
            f"""
            import os, httpx
            from dlt_pipelines.common.token_store import TokenStore
            from dlt_pipelines.xero.auth import XeroAuth
            auth = XeroAuth(token_url={handle.url + "/connect/token"!r}, client_id={DEFAULT_CLIENT_ID!r},
                            client_secret={DEFAULT_CLIENT_SECRET!r}, grant_type="refresh_token",
                            refresh_token={DEFAULT_REFRESH_TOKEN!r}, store=TokenStore({str(store_path)!r}),
                            http=httpx.Client())
            auth.token()
            os._exit(9)
            """
        )
        crashed = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), timeout=60)
        assert crashed.returncode == 9
        assert not _live(handle, DEFAULT_REFRESH_TOKEN)  # the seed was rotated out...
        # ...but the next process signs in with the stored token
        auth = _auth(handle, TokenStore(store_path))
        assert auth.token()
        assert _live(handle, TokenStore(store_path).load().refresh_token)


def test_a_new_refresh_token_in_secrets_wins_over_an_old_stored_chain(tmp_path):
    write_xero_scenario(tmp_path / "scn", invoices=3)
    store = TokenStore(tmp_path / "xero_tokens.json")
    store.save("token-from-an-old-authorization", fingerprint("the-old-seed"))
    with xero_sandbox(tmp_path / "scn") as handle:
        auth = _auth(handle, store, refresh_token=DEFAULT_REFRESH_TOKEN)
        assert auth.token()
        saved = store.load()
        assert saved.seed_fingerprint == fingerprint(DEFAULT_REFRESH_TOKEN)
        assert _live(handle, saved.refresh_token)


def test_refused_credentials_say_what_to_fix(tmp_path):
    write_xero_scenario(tmp_path / "scn", invoices=3)
    with xero_sandbox(tmp_path / "scn") as handle:
        expired = _auth(handle, None, refresh_token="no-longer-valid")
        with pytest.raises(XeroAuthError, match="authorize again and put the new refresh token"):
            expired.token()
        wrong = XeroAuth(
            token_url=f"{handle.url}/connect/token",
            client_id=DEFAULT_CLIENT_ID,
            client_secret="wrong",
            http=httpx.Client(),
        )
        with pytest.raises(XeroAuthError, match="check sources.xero.client_id / client_secret"):
            wrong.token()
    with pytest.raises(XeroAuthError, match="client_id and client_secret are missing"):
        XeroAuth(token_url="http://127.0.0.1:9/", client_id="", client_secret="", http=httpx.Client())


def test_token_store_writes_atomically(tmp_path):
    store = TokenStore(tmp_path / "deep" / "tokens.json")
    assert store.load() is None
    store.save("first", "fp1")
    store.save("second", "fp1")
    assert store.load().refresh_token == "second"
    assert json.loads(store.path.read_text())["refresh_token"] == "second"
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["tokens.json"]
    store.path.write_text("{not json")
    with pytest.raises(RuntimeError, match="cannot be read"):
        store.load()


def test_a_token_refused_every_time_ends_as_a_401_error(tmp_path):
    from dlt_pipelines.xero import build_client
    from dlt_pipelines.xero.client import XeroApiError
    from sandbox.faults import FaultSpec

    expected = write_xero_scenario(tmp_path / "scn", invoices=3)
    with xero_sandbox(tmp_path / "scn", faults=FaultSpec.parse("token_expiry_rate=1")) as handle:
        client = build_client(
            api_url=f"{handle.url}/api.xro/2.0",
            token_url=f"{handle.url}/connect/token",
            retry_attempts=2,
            retry_initial_wait=0.01,
            retry_max_wait=0.01,
        )
        with pytest.raises(XeroApiError) as refused:
            client.get("Invoices", expected["tenant_id"])
    assert refused.value.status == 401 and "check the app's scopes" in str(refused.value)
