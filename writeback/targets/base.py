"""The interface every writeback target implements, and the errors it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date

from writeback.proposals import Proposal


class TargetError(RuntimeError):
    """A target cannot be used at all (configuration, credentials); the message says what to fix."""


class TransientTargetError(TargetError):
    """Worth retrying later: the target was unreachable, busy or answered 5xx after our retries."""


class TargetStopped(TargetError):
    """Stop posting to this target for now (e.g. Xero's daily call limit); retry in a later run."""


@dataclass(frozen=True)
class OutboxItem:
    """One posting as the outbox holds it."""

    key: str
    proposal: Proposal
    state: str
    attempts: int


@dataclass(frozen=True)
class PostResult:
    """The target's answer for one posting."""

    key: str
    ok: bool
    ref: str | None = None
    error: str | None = None
    transient: bool = False


class Target(ABC):
    """A system that approved proposals post to."""

    name: str = ""

    #: postings sent in one call at most (Xero batches; Sage 100 imports one entry per file)
    batch_size: int = 1

    @abstractmethod
    def period_problem(self, posting_date: date) -> str | None:
        """None if ``posting_date`` is open for posting, else why not and what to do."""

    @abstractmethod
    def find_posted(self, item: OutboxItem) -> str | None:
        """The target's reference if this item's idempotency key was already posted, else None."""

    @abstractmethod
    def post(self, items: list[OutboxItem]) -> list[PostResult]:
        """Post ``items`` (at most ``batch_size``); one result per item, in order.

        Raises :class:`TransientTargetError` when nothing can be said about any item (retry later) and
        :class:`TargetStopped` when the target must not be called again in this run.
        """

    @abstractmethod
    def render(self, proposal: Proposal) -> str:
        """Exactly what would be sent for ``proposal`` (for ``--dry-run``)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
