"""Deterministic randomness: one ``random.Random`` stream per concern, derived from the seed."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def sub_seed(seed: int, name: str) -> int:
    """A stable 64-bit seed for the stream ``name`` of scenario ``seed``."""
    digest = hashlib.sha256(f"tieout:{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Streams:
    """Named random streams; asking twice for a name returns the same stream object."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def __call__(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            stream = random.Random(sub_seed(self.seed, name))
            self._streams[name] = stream
        return stream


_VERSION_MASK = ~(0xF << 76) & ~(0x3 << 62)
_VERSION_BITS = (0x4 << 76) | (0x2 << 62)


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID string drawn from ``rng`` (never from the OS)."""
    value = (rng.getrandbits(128) & _VERSION_MASK) | _VERSION_BITS
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Weighted(Generic[T]):
    """A fixed weighted choice; ``pick`` draws one value with a single ``rng.random()`` call."""

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        if len(values) != len(weights) or not values:
            raise ValueError("values and weights must be non-empty and of equal length")
        self.values = tuple(values)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]
