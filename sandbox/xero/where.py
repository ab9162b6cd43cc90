"""Xero's ``where`` and ``order`` query parameters, parsed into predicates and sort keys.

Supported ``where`` forms: ``Field==value`` / ``!=`` / ``>`` / ``>=`` / ``<`` / ``<=`` (``=`` means ``==``)
on dotted paths (``Contact.ContactID``), with values ``"text"``, numbers, ``true``/``false``, ``null``,
``DateTime(2024,01,31[,h,m,s])`` and ``Guid("...")``; ``Field.Contains("x")``, ``.StartsWith``,
``.EndsWith``; ``.ToLower()``/``.ToUpper()`` on the left; ``AND``/``OR``/``&&``/``||``, ``NOT``/``!``
and parentheses. Text compares case-insensitively; dates compare as dates whatever form they are in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.xero.dates import parse_any_date

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class QueryError(ValueError):
    """A ``where`` or ``order`` the sandbox cannot parse."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|>=|<=|&&|\|\||[=<>!(),.])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"cannot parse the where clause near {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def get_path(record: Record, path: list[str]) -> Any:
    """Value at a dotted path (case-insensitive keys), None if absent."""
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            return None
        if part in value:
            value = value[part]
            continue
        lowered = part.lower()
        value = next((v for k, v in value.items() if k.lower() == lowered), None)
    return value


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _compare(left: Any, op: str, literal: Any) -> bool:
    if literal is None:
        equal = left is None or left == ""
        return equal if op == "==" else (not equal if op == "!=" else False)
    if isinstance(literal, datetime):
        ms = parse_any_date(left)
        if ms is None:
            return op == "!="
        left_value: Any = ms
        right_value: Any = int(literal.timestamp() * 1000)
    elif isinstance(literal, bool):
        if isinstance(left, str):
            left = left.lower() == "true"
        left_value, right_value = bool(left) if left is not None else None, literal
        if left_value is None:
            return op == "!="
    elif isinstance(literal, Decimal):
        left_value, right_value = _as_decimal(left), literal
        if left_value is None:
            return op == "!="
    else:
        if left is None:
            return op == "!="
        left_value, right_value = str(left).lower(), str(literal).lower()
        if isinstance(left, bool):
            left_value = "true" if left else "false"
    if op == "==":
        return left_value == right_value
    if op == "!=":
        return left_value != right_value
    if op == ">":
        return left_value > right_value
    if op == ">=":
        return left_value >= right_value
    if op == "<":
        return left_value < right_value
    return left_value <= right_value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].lower() != value.lower()):
            raise QueryError(
                f"where clause {self.text!r}: expected {value or 'more'} at token {self.pos + 1}"
            )
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek() is not None:
            raise QueryError(f"where clause {self.text!r}: unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while (token := self.peek()) and token[1].upper() in ("OR", "||"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while (token := self.peek()) and token[1].upper() in ("AND", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Predicate:
        token = self.peek()
        if token and token[1].upper() in ("NOT", "!"):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if token and token[1] == "(":
            self.take("(")
            inner = self.or_expr()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, name = self.take()
        if kind != "name":
            raise QueryError(f"where clause {self.text!r}: expected a field name, got {name!r}")
        path = [name]
        transform: Callable[[Any], Any] = lambda v: v  # noqa: E731
        while (token := self.peek()) and token[1] == ".":
            self.take(".")
            _, part = self.take()
            if (nxt := self.peek()) and nxt[1] == "(":
                method = part.lower()
                self.take("(")
                if method in ("tolower", "toupper"):
                    self.take(")")
                    transform = (
                        (lambda v: v.lower() if isinstance(v, str) else v)
                        if method == "tolower"
                        else (lambda v: v.upper() if isinstance(v, str) else v)
                    )
                    continue
                if method not in ("contains", "startswith", "endswith"):
                    raise QueryError(f"where clause {self.text!r}: method {part} is not supported")
                argument = str(self.literal()).lower()
                self.take(")")
                fields = list(path)
                if method == "contains":
                    return lambda r: argument in str(get_path(r, fields) or "").lower()
                if method == "startswith":
                    return lambda r: str(get_path(r, fields) or "").lower().startswith(argument)
                return lambda r: str(get_path(r, fields) or "").lower().endswith(argument)
            path.append(part)
        token = self.peek()
        if token is None or token[1] not in ("==", "!=", ">", ">=", "<", "<=", "="):
            fields = list(path)
            return lambda r: get_path(r, fields) is True or str(get_path(r, fields)).lower() == "true"
        op = self.take()[1]
        op = "==" if op == "=" else op
        literal = self.literal()
        fields = list(path)
        return lambda r: _compare(transform(get_path(r, fields)), op, literal)

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1].replace('\\"', '"')
        if kind == "num":
            return Decimal(value)
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if lowered in ("datetime", "datetimeoffset", "date"):
            self.take("(")
            numbers: list[int] = []
            while (token := self.peek()) and token[1] != ")":
                if token[1] == ",":
                    self.take(",")
                    continue
                if token[0] != "num":
                    raise QueryError(f"where clause {self.text!r}: DateTime takes numbers, got {token[1]!r}")
                numbers.append(int(self.take()[1]))
            self.take(")")
            if len(numbers) < 3:
                raise QueryError(f"where clause {self.text!r}: DateTime needs at least year, month, day")
            try:
                return datetime(*numbers[:6], tzinfo=UTC)  # type: ignore[misc]
            except (TypeError, ValueError) as exc:
                raise QueryError(f"where clause {self.text!r}: {exc}") from None
        if lowered == "guid":
            self.take("(")
            guid = self.literal()
            self.take(")")
            return str(guid)
        raise QueryError(f'where clause {self.text!r}: {value!r} is not a value (quote text with "...")')


def parse_where(text: str) -> Predicate:
    """Compile a Xero ``where`` clause; raises QueryError with what is wrong."""
    return _Parser(text).parse()


def sort_value(value: Any) -> tuple[int, Any]:
    """A sort key that orders missing values first and compares dates as dates, text case-insensitively."""
    if value is None or value == "":
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        ms = parse_any_date(value) if value[:1] in "/0123456789" else None
        if ms is not None:
            return (1, ms)
        return (2, value.lower())
    return (3, str(value))


def parse_order(text: str) -> list[tuple[list[str], bool]]:
    """``"Date DESC, InvoiceNumber"`` -> [(path, descending), ...]."""
    keys: list[tuple[list[str], bool]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"order {text!r}: use 'Field ASC' or 'Field DESC', comma-separated")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", words[0]):
            raise QueryError(f"order {text!r}: {words[0]!r} is not a field name")
        keys.append((words[0].split("."), len(words) == 2 and words[1].upper() == "DESC"))
    return keys
