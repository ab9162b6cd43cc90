"""End to end in headless Chromium against ``tieout app`` on a sandbox warehouse: sign in, open an
exception, start a refresh and keep working while it runs, approve a journal as a second user, run a SQL
query, try a forbidden statement, see the refresh finish with the decisions kept. Every step is checked
on the page; screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from app.auth import DEMO_PASSWORDS
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, RunningApp

pytestmark = [pytest.mark.browser, pytest.mark.integration]
STEP_TIMEOUT = 60_000
DIFFERING = {  # exception type -> a field the side-by-side view must name as differing
    "amount_mismatch": "total_amount",
    "tax_mismatch": "tax_amount",
    "currency_mismatch": "currency_code",
    "period_mismatch": "period",
}
REFRESH_TIMEOUT = 420_000


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def settle(page, quiet_ms: int = 800) -> None:  # noqa: ANN001 - a Playwright page
    """Wait until Streamlit has finished rerunning: no stale element and no running indicator for
    ``quiet_ms`` in a row (a rerun after a decision briefly clears the page before redrawing it)."""
    page.wait_for_timeout(200)
    page.wait_for_function(
        """(quiet) => {
            const busy = document.querySelector('[data-stale="true"], [data-testid="stStatusWidget"]');
            const now = Date.now();
            if (busy || window.__tieoutBusySince === undefined) { window.__tieoutBusySince = now; }
            if (busy) { window.__tieoutQuietFrom = undefined; return false; }
            if (window.__tieoutQuietFrom === undefined) { window.__tieoutQuietFrom = now; }
            return now - window.__tieoutQuietFrom >= quiet;
        }""",
        arg=quiet_ms,
        polling=100,
        timeout=STEP_TIMEOUT,
    )
    page.evaluate("() => { window.__tieoutQuietFrom = undefined; }")


def shot(page, name: str) -> None:  # noqa: ANN001
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, url: str, user: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=STEP_TIMEOUT)
    settle(page)


def sign_out(page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=STEP_TIMEOUT)


def go(page, name: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=STEP_TIMEOUT)
    settle(page)


def choose(page, label: str, option: str) -> None:  # noqa: ANN001
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    settle(page)


def approve(page, proposal_id: str, who: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    go(page, "Journals")
    choose(page, "Open a proposal", proposal_id)
    page.get_by_role("textbox", name="Comment (required to reject)").fill(f"checked by {who}")
    page.get_by_role("button", name="Approve", exact=True).click()
    done = re.compile(f"approved {re.escape(proposal_id)} \\(version [0-9a-f]{{12}}\\) as {who}")
    expect(page.get_by_text(done)).to_be_visible(timeout=STEP_TIMEOUT)
    settle(page)


@pytest.fixture
def browser_page(running_app: RunningApp):  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_review_approve_query_and_refresh_in_the_browser(running_app: RunningApp, browser_page) -> None:  # noqa: ANN001
    try:
        walk_through(browser_page, running_app.url, running_app.warehouse)
    except Exception:
        shot(browser_page, "failure")
        raise


def walk_through(page, url: str, warehouse: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    mismatch = query(
        warehouse,
        "select document_number, exception_type from recon.exceptions where exception_type in "
        f"({', '.join(repr(t) for t in DIFFERING)}) order by abs(amount) desc, exception_id limit 1",
    )
    assert mismatch, "the sandbox scenario should hold a document that differs between the systems"
    document, exception_type = mismatch[0]
    proposals = query(warehouse, "select proposal_id from journals.proposals order by proposal_id")
    assert proposals, "the build should have proposed journals"

    # 1. sign in as the preparer: the overview shows every area
    sign_in(page, url, "preparer")
    expect(page.get_by_text("Tie-out by area")).to_be_visible()
    for area in ("Documents", "Payments", "Open items", "GL trial balance", "Master data", "Inventory"):
        expect(page.get_by_text(area, exact=True).first).to_be_visible()
    shot(page, "01-overview")

    # 2. open an exception: the source record beside the Sage 100 record, the differing fields named
    go(page, "Exceptions")
    page.get_by_role("textbox", name="Document / text").fill(document)
    page.keyboard.press("Enter")
    settle(page)
    expect(page.get_by_text("Source record and Sage 100 record")).to_be_visible()
    field = DIFFERING[exception_type]
    differ = page.get_by_text(re.compile(f"Fields that differ: .*{field}"))
    expect(differ).to_be_visible()
    differ.scroll_into_view_if_needed()
    shot(page, "02-exception")

    # 3. the preparer submits the largest proposal; the refresh starts and the app stays usable
    go(page, "Journals")
    page.get_by_role("button", name="I prepared this (submit for approval)").click()
    expect(page.get_by_text(re.compile(r"preparer prepared \S+ \(version"))).to_be_visible()
    prepared = page.get_by_text(re.compile(r"preparer prepared \S+")).inner_text().split()[2]
    settle(page)
    go(page, "Pipeline")
    page.get_by_role("button", name="Refresh now (load + build)").click()
    expect(page.get_by_text(re.compile(r"\*?running"))).to_be_visible()
    shot(page, "03-refresh-started")
    sign_out(page)

    # 4. a second person approves it (and a second approver when it is above the threshold)
    sign_in(page, url, "approver")
    approve(page, prepared, "approver")
    expect(page.get_by_text(re.compile(r"Prepared by preparer · approved by approver"))).to_be_visible()
    needs_second = page.get_by_text(re.compile("above the approval threshold")).count() > 0
    shot(page, "04-approved")
    if needs_second:
        sign_out(page)
        sign_in(page, url, "approver2")
        approve(page, prepared, "approver2")
        expect(page.get_by_text(re.compile("approved by approver, approver2"))).to_be_visible()
        shot(page, "05-second-approval")

    # 5. SQL: a query runs and its result downloads; a forbidden statement is refused
    go(page, "SQL")
    documents = query(warehouse, "select count(*) from core.documents")[0][0]
    page.get_by_role("textbox", name="Query").fill("SELECT count(*) AS documents FROM core.documents")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(re.compile(r"^1 row in [0-9.]+ s$"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert Path(download.value.path()).read_text().splitlines() == ["documents", str(documents)]
    shot(page, "06-sql")
    page.get_by_role("textbox", name="Query").fill("DROP TABLE core.documents")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(re.compile("Refused: DROP statements are not allowed here"))).to_be_visible()
    shot(page, "07-sql-refused")

    # 6. the refresh finishes while all of this happened, and swaps in the new warehouse with the decisions
    go(page, "Pipeline")
    expect(page.get_by_text(re.compile(r"step done"))).to_be_visible(timeout=REFRESH_TIMEOUT)
    shot(page, "08-refresh-done")
    log = warehouse.with_name(f"{warehouse.stem}.refresh.log").read_text()
    assert "swapped in the new warehouse" in log, log[-2000:]
    approvers = query(
        warehouse,
        f"select who from ops.approvals where proposal_id = '{prepared}' "
        "and decision = 'approved' order by \"when\"",
    )
    assert [a[0] for a in approvers] == (["approver", "approver2"] if needs_second else ["approver"])
    go(page, "Journals")
    choose(page, "Open a proposal", prepared)
    expect(page.get_by_text(re.compile("Prepared by preparer · approved by approver"))).to_be_visible()
    shot(page, "09-after-refresh")
