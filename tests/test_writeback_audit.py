"""The audit log is a hash chain: it verifies, and an edited, inserted or deleted entry is caught."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from writeback import approvals, audit
from writeback.warehouse import connect, transaction


def _log(warehouse: Path, count: int = 4) -> None:
    with connect(warehouse) as con:
        for n in range(count):
            with transaction(con):
                audit.append(con, "alice", "approve", f"proposal:P-{n}", {"amount": f"{n}00.00", "n": n})


def test_chain_links_each_entry_to_the_one_before(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    _log(warehouse)
    with connect(warehouse) as con:
        entries = audit.entries(con)
        result = audit.verify(con)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    assert result.ok and result.entries == 4 and result.head_hash == entries[-1].hash
    assert "intact: 4 entries" in result.render()


@pytest.mark.parametrize(
    ("sql", "bad_seq", "reason"),
    [
        ('update ops.audit_log set payload = \'{"amount":"900.00","n":2}\' where seq = 3', 3, "contents"),
        ("update ops.audit_log set actor = 'mallory' where seq = 2", 2, "contents"),
        ("update ops.audit_log set \"at\" = '2020-01-01T00:00:00.000000Z' where seq = 4", 4, "contents"),
        ("delete from ops.audit_log where seq = 2", 2, "missing"),
    ],
)
def test_verify_names_the_first_altered_entry(tmp_path: Path, sql: str, bad_seq: int, reason: str) -> None:
    warehouse = tmp_path / "wh.duckdb"
    _log(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(sql)
    with connect(warehouse) as con:
        result = audit.verify(con)
    assert not result.ok
    assert result.first_bad_seq == bad_seq
    assert reason in result.reason
    assert f"BROKEN at seq {bad_seq}" in result.render()


def test_rehashing_an_edited_entry_still_breaks_the_next_link(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    _log(warehouse)
    with connect(warehouse) as con:
        second = audit.entries(con)[1]
        forged = audit.entry_hash(
            second.prev_hash, 2, second.at, "mallory", second.action, second.object, second.payload
        )
        con.execute("update ops.audit_log set actor = 'mallory', hash = ? where seq = 2", [forged])
        result = audit.verify(con)
    assert not result.ok and result.first_bad_seq == 3 and "prev_hash" in result.reason


def test_sign_off_records_the_head_hash_so_a_cut_tail_is_noticed(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    _log(warehouse, 3)
    with connect(warehouse) as con:
        _, head_before = audit.head(con)
    approvals.sign_off_period(
        "2026-03", who="carol", role="approver", comment="March closed", warehouse=warehouse
    )
    with connect(warehouse) as con:
        (recorded,) = con.execute("select audit_head_hash from ops.period_signoffs").fetchone()
        last = audit.entries(con)[-1]
    assert recorded == head_before
    assert last.action == "sign_off" and last.object == "period:2026-03" and last.actor == "carol"


def test_exception_notes_are_kept_and_audited(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    note_id = approvals.add_exception_note(
        "EXC-42", "Customer confirmed the short payment", who="bob", role="preparer", warehouse=warehouse
    )
    with connect(warehouse) as con:
        row = con.execute("select exception_id, note, who, role from ops.exception_notes").fetchone()
        (entry,) = audit.entries(con, "exception:EXC-42")
        assert audit.verify(con).ok
    assert row == ("EXC-42", "Customer confirmed the short payment", "bob", "preparer")
    assert entry.payload["note_id"] == note_id
