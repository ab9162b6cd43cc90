"""How Sage 100 stores values, as the sandbox writes them: padded strings, blank-date sentinels and
decimal-hour time strings. Each converter turns one CSV cell into the stored value or raises
``ValueError`` saying what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sandbox.sage100.schema import BLANK_DATE, Column

TIME_LENGTH = 8
"""``TimeCreated``/``TimeUpdated`` are ``varchar(8)`` strings such as ``"14.50833"``."""

_DECIMAL_HOURS = re.compile(r"(\d{1,2})(?:\.(\d{1,5}))?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")

SIGNIFICANT_DIGITS = 15
"""Decimals are stored with NUMERIC affinity (8-byte floats): exact to 15 significant digits."""

Converter = Callable[[str], str]


def decimal_hours(hours: int, minutes: int, seconds: int) -> str:
    """A clock time as Sage 100 writes it: hours with five decimals, ``14:30:30`` -> ``"14.50833"``."""
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
        raise ValueError(f"{hours:02d}:{minutes:02d}:{seconds:02d} is not a time of day")
    return f"{hours + minutes / 60 + seconds / 3600:.5f}"


def varchar(length: int) -> Converter:
    """Pad to the declared length with trailing spaces, as ProvideX returns without StripTrailingSpaces."""

    def convert(value: str) -> str:
        if len(value) > length:
            raise ValueError(f"{value!r} is {len(value)} characters, longer than varchar({length})")
        return value.ljust(length)

    return convert


def decimal(precision: int, scale: int) -> Converter:
    """Check a plain decimal literal fits ``decimal(precision, scale)``; blank is 0 (ProvideX has no NULL)."""
    int_digits = precision - scale
    pattern = re.compile(rf"[-+]?(?=\.?\d)\d{{0,{int_digits}}}(?:\.\d{{0,{scale}}}0*)?")

    def convert(value: str) -> str:
        text = value.strip()
        if not text:
            return "0"
        if pattern.fullmatch(text) is None:
            raise ValueError(
                f"{value!r} is not a number that fits decimal({precision},{scale}) "
                f"(at most {int_digits} digits before the point and {scale} after, no thousands separators)"
            )
        if len(text) > SIGNIFICANT_DIGITS and _significant_digits(text) > SIGNIFICANT_DIGITS:
            raise ValueError(
                f"{value!r} has more than {SIGNIFICANT_DIGITS} significant digits, which the sandbox "
                "cannot store exactly (SQLite keeps decimals as 8-byte floats); round it"
            )
        return text

    return convert


def _significant_digits(text: str) -> int:
    digits = text.lstrip("+-").replace(".", "").lstrip("0")
    if "." in text:
        digits = digits.rstrip("0")
    return len(digits)


def sage_date(value: str) -> str:
    """An ISO date ``YYYY-MM-DD``; blank becomes the ``1753-01-01`` sentinel."""
    text = value.strip()
    if not text:
        return BLANK_DATE
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError
        date.fromisoformat(text)
        return text
    except ValueError:
        raise ValueError(f"{value!r} is not a date in YYYY-MM-DD form (leave it blank for no date)") from None


def sage_time(value: str) -> str:
    """Decimal hours (``14.50833``) kept as given, or a clock time (``14:30:30``) turned into them."""
    text = value.strip()
    if not text:
        return "".ljust(TIME_LENGTH)
    if match := _DECIMAL_HOURS.fullmatch(text):
        if int(match.group(1)) >= 24:
            raise ValueError(f"{value!r} is not a time of day (decimal hours must be below 24)")
        return text.ljust(TIME_LENGTH)
    if match := _CLOCK.fullmatch(text):
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return decimal_hours(hours, minutes, seconds).ljust(TIME_LENGTH)
    raise ValueError(f"{value!r} is not a time: write decimal hours (14.50833) or HH:MM:SS")


def converter(column: Column) -> Converter:
    """The converter for a schema column."""
    if column.kind == "varchar":
        assert column.length is not None
        return varchar(column.length)
    if column.kind == "decimal":
        precision = int(column.type[column.type.index("(") + 1 : column.type.index(",")])
        assert column.scale is not None
        return decimal(precision, column.scale)
    if column.kind == "date":
        return sage_date
    if column.kind == "time":
        return sage_time
    raise ValueError(f"column {column.name} has a type the sandbox does not know: {column.type}")


def sql_type(column: Column) -> str:
    """The declared SQLite type. Through libsqlite3odbc: VARCHAR -> str, DATE -> ``datetime.date``,
    DECIMAL(p,s) -> str (e.g. ``'12.3'``, ``'1.0e-06'``); the time strings are VARCHAR(8)."""
    if column.kind == "time":
        return f"VARCHAR({TIME_LENGTH})"
    return column.type.upper()
