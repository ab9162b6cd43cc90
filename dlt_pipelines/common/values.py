"""Parsing of the dates and numbers the ledger APIs send, strict enough to spot malformed records.

Xero sends ``/Date(1439434356790+0000)/`` and ISO strings; KashFlow sends ``2013-06-07 12:00:00``,
sometimes with an offset. Money arrives as JSON numbers, decoded to ``Decimal`` (never float).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")


class ValueProblem(ValueError):
    """A field value that cannot be read as the type its field must have."""


def loads_exact(text: str | bytes) -> Any:
    """Decode JSON keeping every non-integer number as ``Decimal``, so money is never a float."""
    return json.loads(text, parse_float=Decimal)


def parse_ms_date(value: str) -> datetime:
    """Parse Xero's ``/Date(ms+hhmm)/`` into an aware UTC datetime; raise ``ValueProblem`` if malformed."""
    match = _MS_DATE.match(value.strip())
    if not match:
        raise ValueProblem(f"{value!r} is not a /Date(milliseconds+offset)/ value")
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match["ms"]))
    except OverflowError as exc:
        raise ValueProblem(f"{value!r} is out of the representable date range") from exc
    offset = match["offset"]
    if offset:
        sign = 1 if offset[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return moment.astimezone(tz).astimezone(UTC)
    return moment


def parse_any_date(value: Any) -> datetime | date:
    """Parse a date or timestamp as either API sends it; raise ``ValueProblem`` for impossible dates."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        raise ValueProblem(f"{value!r} is a {type(value).__name__}, not a date")
    text = value.strip()
    if text.startswith("/Date("):
        return parse_ms_date(text)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueProblem(f"{value!r} is not a valid date ({exc})") from exc


def parse_number(value: Any) -> Decimal | int:
    """Read a numeric field: JSON numbers pass, numeric strings become ``Decimal``, anything else fails."""
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is a boolean, not a number")
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueProblem(f"{value!r} is not a finite number")
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueProblem(f"{value!r} is text, not a number") from exc
        if not number.is_finite():
            raise ValueProblem(f"{value!r} is not a finite number")
        return number
    raise ValueProblem(f"{value!r} is a {type(value).__name__}, not a number")


def parse_integer(value: Any) -> int:
    """Read a whole-number field (e.g. JournalNumber); ``12`` and ``"12"`` pass, ``12.5`` and text fail."""
    number = parse_number(value)
    if number != int(number):
        raise ValueProblem(f"{value!r} is not a whole number")
    return int(number)
