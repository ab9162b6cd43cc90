"""The same seed gives byte-identical scenarios; another seed gives another scenario; small is fast."""

from __future__ import annotations

import time

import pytest

from sandbox.generator.config import GeneratorConfig
from sandbox.generator.engine import generate
from tests.test_generator_support import scenario


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("ledger", ["xero", "kashflow"])
def test_same_seed_gives_identical_bytes(ledger, tmp_path):
    began = time.process_time()  # CPU seconds: robust to other work on the machine
    generate(GeneratorConfig(ledger=ledger, seed=1, size="small"), tmp_path)
    elapsed = time.process_time() - began
    assert elapsed < 20, f"small took {elapsed:.1f} CPU seconds"
    again, first = _files(tmp_path), _files(scenario(ledger))
    assert sorted(again) == sorted(first)
    different = [name for name in first if first[name] != again[name]]
    assert not different


@pytest.mark.parametrize("ledger", ["xero", "kashflow"])
def test_another_seed_gives_another_scenario(ledger):
    one, two = _files(scenario(ledger, 1, 300)), _files(scenario(ledger, 2, 300))
    assert sorted(one) == sorted(two)
    changed = [name for name in one if one[name] != two[name]]
    assert len(changed) > len(one) // 2
    doc_file = "xero/Invoices.json" if ledger == "xero" else "kashflow/invoices.json"
    assert doc_file in changed and "truth/injections.csv" in changed
