"""Crash points for the crash-safety tests: with ``TIEOUT_WRITEBACK_CRASH_AFTER=N`` in the environment the
process kills itself (SIGKILL: no cleanup, no flush) on reaching its N-th crash point. Unset, a crash
point does nothing. Crash points sit where a real crash would hurt most: right after a state change is
committed, between a target's answer and its recording, and inside a Visual Integrator import."""

from __future__ import annotations

import os
import signal

ENV = "TIEOUT_WRITEBACK_CRASH_AFTER"
_reached = 0


def point(name: str) -> None:
    """Count one crash point; die here if it is the N-th (``name`` says where, for debugging)."""
    global _reached
    limit = os.environ.get(ENV)
    if not limit:
        return
    _reached += 1
    if _reached >= int(limit):
        os.write(2, f"crash point {_reached} ({name}): killing myself\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
