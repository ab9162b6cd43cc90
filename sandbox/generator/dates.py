"""Date formats of the three systems and calendar helpers."""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

_EPOCH = date(1970, 1, 1)


@functools.lru_cache(maxsize=4_096)
def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def period_of(d: date) -> str:
    """``YYYY-MM``, the fiscal period of a date (calendar months)."""
    return f"{d.year:04d}-{d.month:02d}"


def xero_date(d: date, seconds: int = 0) -> str:
    """Xero's ``/Date(ms+0000)/`` for a date plus ``seconds`` after midnight UTC."""
    ms = ((d - _EPOCH).days * 86_400 + seconds) * 1000
    return f"/Date({ms}+0000)/"


def iso_datetime(d: date, seconds: int = 0) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` (Xero's DateString fields)."""
    return (datetime(d.year, d.month, d.day) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")


def kashflow_date(d: date | None, seconds: int = 0) -> str | None:
    """KashFlow's ``YYYY-MM-DD HH:MM:SS``."""
    if d is None:
        return None
    return (datetime(d.year, d.month, d.day) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


@functools.cache
def sage_time(seconds: int) -> str:
    """Sage 100's decimal-hour time string, e.g. 14:30:30 -> ``"14.50833"``."""
    return f"{(Decimal(seconds) / Decimal(3600)).quantize(Decimal('0.00001'))}"


def utc_timestamp(d: date, seconds: int = 0) -> str:
    """RFC 3339 UTC timestamp (used in the manifest)."""
    return (datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
