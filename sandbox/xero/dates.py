"""Xero's date formats: ``/Date(1439434356790+0000)/`` out, ``YYYY-MM-DD`` (or ISO date-time) in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def parse_ms_date(value: object) -> int | None:
    """Epoch milliseconds (UTC) of a ``/Date(ms+zzzz)/`` string, else None."""
    if isinstance(value, str):
        match = _MS_DATE.match(value)
        if match:
            return int(match.group(1))
    return None


def format_ms_date(ms: int) -> str:
    """``/Date(ms+0000)/`` for epoch milliseconds."""
    return f"/Date({ms}+0000)/"


def to_ms(moment: datetime | date) -> int:
    """Epoch milliseconds of a datetime (naive = UTC) or of midnight UTC on a date."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse_any_date(value: object) -> int | None:
    """Epoch ms of a Xero date value in any form it appears in: ``/Date()/``, ISO date or date-time."""
    ms = parse_ms_date(value)
    if ms is not None or not isinstance(value, str) or not value:
        return ms
    try:
        return to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def parse_input_date(value: object) -> int:
    """Epoch ms (midnight UTC) of a date a client sends in a write; ValueError if it is not a date."""
    ms = parse_any_date(value)
    if ms is None:
        raise ValueError(f"{value!r} is not a date; send YYYY-MM-DD")
    return ms - ms % 86_400_000


def parse_if_modified_since(value: str) -> int:
    """Epoch ms of an ``If-Modified-Since`` header: HTTP-date or ISO 8601 (no zone = UTC)."""
    value = value.strip()
    try:
        return to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return to_ms(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        raise ValueError(
            f"If-Modified-Since {value!r} is not a date; send e.g. 2024-01-31T00:00:00 or an HTTP date"
        ) from None


def day_string(ms: int) -> str:
    """``YYYY-MM-DD`` of epoch milliseconds (UTC)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
