"""Scenario files follow their contracts: Xero bodies validate against Xero's OpenAPI schemas, Sage 100
CSVs follow sandbox/sage100/schema.py, KashFlow objects carry the v2 field names and date format."""

from __future__ import annotations

import copy
import csv
import functools
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30ReadValidator

from sandbox.sage100.schema import TABLES
from tests.test_generator_support import read_csv, read_json, scenario

SPEC = Path(__file__).resolve().parents[1] / "sandbox" / "xero" / "openapi" / "xero_accounting.yaml"

XERO_RESOURCES = {
    "Invoices": "Invoices",
    "Contacts": "Contacts",
    "Payments": "Payments",
    "CreditNotes": "CreditNotes",
    "BankTransactions": "BankTransactions",
    "Accounts": "Accounts",
    "Items": "Items",
    "ManualJournals": "ManualJournals",
    "Journals": "Journals",
    "Organisation": "Organisations",
    "Currencies": "Currencies",
}


class _NoTimestamps(yaml.SafeLoader):
    """The spec's examples hold bare dates; keep them strings."""


_NoTimestamps.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def _components() -> dict:
    if not SPEC.exists():
        pytest.skip("Xero OpenAPI spec not available")
    text = SPEC.read_text(encoding="utf-8").replace('default: "false"', "default: false")
    return yaml.load(text, Loader=_NoTimestamps)["components"]


def _validator(schema: str) -> OAS30ReadValidator:
    return OAS30ReadValidator(
        {"$ref": f"#/components/schemas/{schema}", "components": _components()},
        format_checker=FormatChecker(),
    )


@pytest.mark.parametrize("resource", sorted(XERO_RESOURCES))
def test_xero_bodies_validate_against_the_official_schema(resource):
    body = read_json(scenario("xero") / "xero" / f"{resource}.json")
    key = XERO_RESOURCES[resource]
    assert list(body) == [key] and body[key], resource
    sample = {key: body[key][:: max(1, len(body[key]) // 400)]}
    errors = [f"{list(e.absolute_path)[:4]}: {e.message[:200]}" for e in _validator(key).iter_errors(sample)]
    assert not errors, errors[:5]


def test_the_schema_validation_catches_bad_bodies():
    body = read_json(scenario("xero") / "xero" / "Invoices.json")
    bad = copy.deepcopy({"Invoices": body["Invoices"][:3]})
    bad["Invoices"][0]["Status"] = "SETTLED"
    bad["Invoices"][1]["Total"] = "12.00"
    bad["Invoices"][2]["LineItems"] = {"not": "a list"}
    assert len(list(_validator("Invoices").iter_errors(bad))) == 3


def test_xero_values_follow_api_conventions():
    x = scenario("xero") / "xero"
    date = re.compile(r"^/Date\(\d+\+0000\)/$")
    for inv in read_json(x / "Invoices.json")["Invoices"]:
        assert date.match(inv["Date"]) and date.match(inv["UpdatedDateUTC"])
        assert Decimal(str(inv["Total"])) == Decimal(str(inv["SubTotal"])) + Decimal(str(inv["TotalTax"]))
        lines = sum(Decimal(str(li["LineAmount"])) for li in inv["LineItems"])
        assert lines == Decimal(str(inv["SubTotal"]))
        if inv["Status"] in ("AUTHORISED", "PAID"):
            paid = sum(Decimal(str(p["Amount"])) for p in inv["Payments"])
            credited = sum(Decimal(str(c["AppliedAmount"])) for c in inv["CreditNotes"])
            assert Decimal(str(inv["AmountDue"])) == Decimal(str(inv["Total"])) - paid - credited
            assert (inv["Status"] == "PAID") == (Decimal(str(inv["AmountDue"])) == 0)
    org = read_json(x / "Organisation.json")["Organisations"][0]
    assert org["BaseCurrency"] == "USD" and date.match(org["PeriodLockDate"])


def test_every_sage_table_is_written_with_the_schema_header():
    for ledger in ("xero", "kashflow"):
        folder = scenario(ledger) / "sage100"
        assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(TABLES)
        for name, table in TABLES.items():
            with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
                assert next(csv.reader(fh)) == table.column_names, name


@pytest.mark.parametrize("ledger", ["xero", "kashflow"])
def test_sage_values_follow_column_types(ledger):
    folder = scenario(ledger) / "sage100"
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    hours = re.compile(r"^\d{1,2}\.\d{5}$")
    for name, table in TABLES.items():
        rows = read_csv(folder / f"{name}.csv")
        assert rows or name in {"AP_Division"}, f"{name} is empty"
        keys = set()
        for row in rows:
            for col in table.columns:
                value = row[col.name]
                if col.kind == "varchar":
                    assert len(value) <= col.length, (name, col.name, value)
                elif col.kind == "decimal" and value:
                    whole, _, frac = value.lstrip("-").partition(".")
                    assert len(frac) == col.scale and whole.isdigit(), (name, col.name, value)
                elif col.kind == "date" and value:
                    assert iso.match(value), (name, col.name, value)
                elif col.kind == "time":
                    assert hours.match(value) and float(value) < 24, (name, col.name, value)
            key = tuple(row[k] for k in table.key)
            assert key not in keys, (name, key)
            keys.add(key)


def test_sage_invoice_numbers_respect_the_seven_character_limit_and_mix_habits():
    rows = read_csv(scenario("xero") / "sage100" / "AR_InvoiceHistoryHeader.csv")
    numbers = [r["InvoiceNo"] for r in rows if r["InvoiceType"] == "IN"]
    assert all(len(n) <= 7 for n in numbers)
    assert any(n.startswith("IN") for n in numbers) and any(n.isdigit() for n in numbers)


def test_kashflow_objects_use_v2_names_and_dates():
    k = scenario("kashflow") / "kashflow"
    when = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    invoices = read_json(k / "invoices.json")
    assert invoices
    for inv in invoices:
        for key in (
            "Id",
            "Number",
            "CustomerId",
            "CustomerCode",
            "IssuedDate",
            "DueDate",
            "Status",
            "NetAmount",
            "VATAmount",
            "GrossAmount",
            "Currency",
            "LineItems",
            "PaymentLines",
        ):
            assert key in inv, key
        assert when.match(inv["IssuedDate"])
        for line in inv["LineItems"]:
            assert {"NominalCode", "Description", "Quantity", "Rate", "VATAmount", "VATLevel"} <= set(line)
        for pay in inv["PaymentLines"]:
            assert {
                "Id",
                "Date",
                "Amount",
                "Method",
                "AccountId",
                "BulkPaymentNumber",
                "IsPaymentCreditNote",
            } <= set(pay)
    for name in ("customers", "suppliers", "purchases", "nominals", "products", "bankaccounts"):
        assert read_json(k / f"{name}.json"), name
    manifest = read_json(scenario("kashflow") / "manifest.json")
    assert manifest["base_currency"] == "GBP" and manifest["ledger"] == "kashflow"
    assert not (scenario("kashflow") / "xero").exists()


def test_manifest_describes_the_scenario():
    path = scenario("xero")
    manifest = read_json(path / "manifest.json")
    assert {
        "name",
        "seed",
        "ledger",
        "base_currency",
        "period",
        "generator_version",
        "size",
        "counts",
    } <= set(manifest)
    assert manifest["period"] == {"start": "2025-01-01", "end": "2025-06-30"}
    for name, count in manifest["counts"].items():
        assert (path / name).exists(), name
        assert count >= 0
    assert manifest["counts"]["sage100/GL_DetailPosting.csv"] == len(
        read_csv(path / "sage100/GL_DetailPosting.csv")
    )
    invoices = read_json(path / "xero" / "Invoices.json")["Invoices"]
    assert sum(1 for i in invoices if i["Type"] == "ACCREC") == 2_000
