"""Writeback: approvals, the outbox and exactly-once posting of approved proposals to Sage 100 and Xero.

Python API (used by the app and the ``tieout`` commands): :mod:`writeback.approvals` (prepare, approve,
reject, requeue, exception notes), :mod:`writeback.review` (reconciling items, match and mapping decisions,
period sign-off), :func:`writeback.runner.run_writeback`, :mod:`writeback.audit` (verify the log).
See docs/writeback.md.
"""
