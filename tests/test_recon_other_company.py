"""Generalization as a test: a small scenario of each ledger turned into another company's
(``sandbox.generator.perturb``: drawn again with month-end invoicing, payment lags from days to months and
three times the foreign business in other currencies at other rates, then renumbered — ``25-0042-NW``,
``00042S`` — with remittances keyed the customer's way, party names in another house style and currency
labels changed) is served by its sandbox, loaded through the real loaders and built, and the
reconciliation meets the issue's targets against its truth with the rules and thresholds unchanged.

The build is shared with ``tests/test_recon_crafted.py`` (``tests/test_recon_support.py``).
"""

from __future__ import annotations

import pytest

from tests.test_dbt_support import query
from tests.test_recon_support import Built, assert_meets_targets, other_company

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["xero", "kashflow"])
def built(request: pytest.FixtureRequest) -> Built:
    return other_company(request.param)


def test_other_company_builds_and_its_dbt_tests_pass(built: Built) -> None:
    assert built.failures == [], built.failures
    assert built.tests_passed >= 50
    foreign = query(
        built.warehouse,
        "select count(distinct currency_code) from core.documents where currency_code <> base_currency",
    )
    assert foreign[0][0] == 3  # the other company's three foreign currencies reached the marts


def test_other_company_meets_the_targets(built: Built) -> None:
    assert built.report is not None, built.failures
    assert_meets_targets(built.report)
