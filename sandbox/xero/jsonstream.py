"""Read the records of a big JSON file one at a time, without holding the whole parsed document.

Scenario files can hold a million invoices; ``iter_records`` reads the file in chunks and decodes one
record at a time (``json.JSONDecoder.raw_decode``), so memory stays near the size of one chunk plus
what the caller keeps. It accepts a top-level list or an object whose first list-valued member
(other than ``Warnings``) holds the records, e.g. Xero's ``{"Invoices": [...]}`` or ``{"Data": [...]}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 1 << 22
_SPACE = re.compile(r"\s*")


class JsonShapeError(ValueError):
    """The file is not valid JSON or not a list of objects."""


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.open(encoding="utf-8-sig")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._more()

    def _more(self) -> None:
        data = self.file.read(CHUNK)
        self.eof = not data
        self.buf = self.buf[self.pos :] + data
        self.pos = 0

    def peek(self) -> str:
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self._more()

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise JsonShapeError(f"{self.path}: expected {char!r} near character {self.pos} of a chunk")
        self.pos += 1

    def value(self, decoder: json.JSONDecoder) -> Any:
        self.peek()
        while True:
            try:
                obj, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise JsonShapeError(f"{self.path} is not valid JSON: {exc.msg}") from None
                self._more()
                continue
            if end == len(self.buf) and not self.eof:  # a number may continue in the next chunk
                self._more()
                continue
            self.pos = end
            return obj

    def close(self) -> None:
        self.file.close()


def _array(reader: _Reader, decoder: json.JSONDecoder) -> Iterator[dict[str, Any]]:
    reader.expect("[")
    if reader.peek() == "]":
        reader.pos += 1
        return
    while True:
        item = reader.value(decoder)
        if not isinstance(item, dict):
            kind = type(item).__name__
            raise JsonShapeError(f"{reader.path}: every entry must be a JSON object, found {kind}")
        yield item
        char = reader.peek()
        reader.pos += 1
        if char == "]":
            return
        if char != ",":
            raise JsonShapeError(f"{reader.path}: expected ',' or ']' between entries")


def iter_records(path: Path, found: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Yield the record objects of ``path``; ``found["key"]`` is set to the member name that held them."""
    decoder = json.JSONDecoder()
    reader = _Reader(Path(path))
    try:
        first = reader.peek()
        if first == "[":
            yield from _array(reader, decoder)
            return
        if first != "{":
            raise JsonShapeError(f"{path} should hold a JSON object or list")
        reader.pos += 1
        while reader.peek() not in ("}", ""):
            key = reader.value(decoder)
            reader.expect(":")
            if reader.peek() == "[" and str(key).lower() != "warnings":
                if found is not None:
                    found["key"] = str(key)
                yield from _array(reader, decoder)
                return
            reader.value(decoder)
            if reader.peek() == ",":
                reader.pos += 1
        raise JsonShapeError(f"{path} holds no list of records")
    finally:
        reader.close()
