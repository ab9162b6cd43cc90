"""Xero as a writeback target: ManualJournals, Payments and Contacts through the shared httpx client.

Every call carries an ``Idempotency-Key``; postings go in batches (``PUT ...?summarizeErrors=false``) and
each item's own result decides its fate. The posting's idempotency key is written into the record
(a ManualJournal's ``Narration``, a Payment's ``Reference``; a new contact is found by its
``ContactNumber``, the Sage 100 key) so that after a crash, or after Xero's ~6 minute idempotency window,
tieout can ask Xero whether it is already there. Manual journals post the lines' base-currency amounts
(Xero's manual journals are in the organisation's base currency); payments post in the invoice's
currency, with the rate the proposal converted at.
The shared client (``dlt_pipelines.xero.client``) brings OAuth, the per-tenant limits, ``Retry-After``
on 429 and retries with backoff on 5xx and dropped connections.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from typing import Any

import httpx

from dlt_pipelines.common.ratelimit import DailyLimitReached
from dlt_pipelines.common.retry import TransientError
from dlt_pipelines.xero.client import XeroApiError, XeroClient
from writeback import crash
from writeback.money import fmt
from writeback.proposals import Proposal
from writeback.settings import config_value
from writeback.targets.base import (
    OutboxItem,
    PostResult,
    Target,
    TargetError,
    TargetStopped,
    TransientTargetError,
)

MAX_IDEMPOTENCY_KEY = 128


def marker(key: str) -> str:
    """The text tieout puts in a ManualJournal's Narration to find it again."""
    return f"[tieout {key}]"


def payment_reference(key: str, number: int) -> str:
    return f"tieout {key}#{number}"


def header_key(key: str) -> str:
    """``key`` as an Idempotency-Key header (≤128 characters; longer keys are hashed)."""
    if len(key) <= MAX_IDEMPOTENCY_KEY:
        return key
    return "tieout-" + hashlib.sha256(key.encode()).hexdigest()


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _ms_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("/Date("):
        millis = int(value[6:].split(")")[0].split("+")[0].split("-")[0])
        return datetime.fromtimestamp(millis / 1000, UTC).date()
    return date.fromisoformat(value[:10])


class XeroTarget(Target):
    """Posts ManualJournals (journals) and Payments (receipts) to one tenant."""

    name = "xero"

    def __init__(self, client: XeroClient, tenant_id: str, *, batch_size: int = 50) -> None:
        self.client = client
        self.tenant_id = tenant_id
        self.batch_size = batch_size
        self._organisation: dict[str, Any] | None = None

    @classmethod
    def from_config(cls, batch_size: int = 50) -> XeroTarget:
        """The target for ``[sources.xero]`` (the loader's settings) and ``writeback.xero.tenant_id``."""
        from dlt_pipelines.xero import build_client
        from dlt_pipelines.xero.settings import (
            DEFAULT_API_URL,
            DEFAULT_CONNECTIONS_URL,
            DEFAULT_TOKEN_URL,
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            TOKEN_STORE_FILE,
        )

        def setting(name: str, default: Any = None) -> Any:
            return config_value(f"sources.xero.{name}", default)

        grant_type = setting("grant_type", "client_credentials")
        store = setting("token_store_path")
        if grant_type == "refresh_token" and not store:
            import dlt

            store = os.path.join(dlt.current.run_context().settings_dir, TOKEN_STORE_FILE)
        per_minute = setting("calls_per_minute", 60)
        try:
            client = build_client(
                api_url=setting("api_url", DEFAULT_API_URL),
                token_url=setting("token_url", DEFAULT_TOKEN_URL),
                connections_url=setting("connections_url", DEFAULT_CONNECTIONS_URL),
                client_id=setting("client_id", SANDBOX_CLIENT_ID),
                client_secret=setting("client_secret", SANDBOX_CLIENT_SECRET),
                grant_type=grant_type,
                refresh_token=setting("refresh_token"),
                scopes=setting("scopes"),
                token_store_path=store,
                max_concurrent=int(setting("max_concurrent", 5)),
                calls_per_minute=int(per_minute) if per_minute not in (None, "", "none", 0) else None,
                limit_window_seconds=float(setting("limit_window_seconds", 60.0)),
                retry_attempts=int(setting("retry_attempts", 8)),
                retry_initial_wait=float(setting("retry_initial_wait", 0.5)),
                retry_max_wait=float(setting("retry_max_wait", 30.0)),
                timeout=float(setting("timeout", 60.0)),
            )
        except Exception as exc:  # XeroAuthError and bad settings
            raise TargetError(f"cannot set up the Xero client: {exc}") from exc
        tenant = config_value("writeback.xero.tenant_id")
        if not tenant:
            configured = setting("tenant_ids")
            if isinstance(configured, str):
                configured = [t.strip() for t in configured.split(",") if t.strip()]
            if configured:
                if len(configured) > 1:
                    raise TargetError(
                        "sources.xero.tenant_ids lists several tenants; set writeback.xero.tenant_id to the "
                        "one proposals post to"
                    )
                tenant = configured[0]
        if not tenant:
            try:
                tenants = [c["tenantId"] for c in client.connections() if c.get("tenantId")]
            except Exception as exc:
                raise TargetError(f"cannot list the Xero tenants: {exc}") from exc
            if len(tenants) != 1:
                raise TargetError(
                    f"Xero lists {len(tenants)} connected tenants; set writeback.xero.tenant_id to the one "
                    "proposals post to"
                )
            tenant = tenants[0]
        return cls(client, str(tenant), batch_size=batch_size)

    def close(self) -> None:
        self.client.close()

    # -- calls ------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        try:
            return self.client.request(
                method,
                path,
                self.tenant_id,
                params=params,
                json=json,
                idempotency_key=idempotency_key,
                resource=f"writeback {path}",
            )
        except DailyLimitReached as exc:
            raise TargetStopped(str(exc)) from exc
        except (TransientError, httpx.TransportError, httpx.TimeoutException) as exc:
            raise TransientTargetError(f"Xero did not answer {method} {path} after retries: {exc}") from exc
        except XeroApiError as exc:
            if exc.status in (401, 403):
                raise TargetStopped(
                    f"Xero refused access ({exc}); check the app's credentials, scopes and tenant"
                ) from exc
            raise

    def organisation(self) -> dict[str, Any]:
        if self._organisation is None:
            body = self._call("GET", "Organisation") or {}
            organisations = body.get("Organisations") or [{}]
            self._organisation = organisations[0]
        return self._organisation

    # -- the interface ------------------------------------------------
    def period_problem(self, posting_date: date) -> str | None:
        org = self.organisation()
        locks = [
            d for d in (_ms_date(org.get("PeriodLockDate")), _ms_date(org.get("EndOfYearLockDate"))) if d
        ]
        if locks and posting_date <= max(locks):
            lock = max(locks)
            return (
                f"posting date {posting_date} is on or before Xero's period lock date {lock}; date it after "
                "the lock date or ask the organisation's adviser to move the lock"
            )
        return None

    def find_posted(self, item: OutboxItem) -> str | None:
        kind = item.proposal.posting_kind
        if kind == "journal":
            found = self._journals_with(item.key)
            return f"ManualJournal {found[0]['ManualJournalID']}" if found else None
        if kind == "receipt":
            try:
                wanted = len(self._payment_items(item))
            except ValueError:
                return None  # it cannot have been posted; post() says why
            posted = self._payments_with(item.key)
            if wanted and all(n in posted for n in range(1, wanted + 1)):
                return "Payments " + ", ".join(posted[n] for n in sorted(posted))
            return None
        found = self._contacts_numbered(item.proposal.party.get("party_code", ""))
        return f"Contact {found[0]['ContactID']}" if found else None

    def post(self, items: list[OutboxItem]) -> list[PostResult]:
        results: dict[str, PostResult] = {}
        journals = [i for i in items if i.proposal.posting_kind == "journal"]
        receipts = [i for i in items if i.proposal.posting_kind == "receipt"]
        parties = [i for i in items if i.proposal.posting_kind in ("customer", "vendor")]
        if journals:
            results.update(self._post_journals(journals))
        if receipts:
            results.update(self._post_payments(receipts))
        if parties:
            results.update(self._post_contacts(parties))
        return [results[i.key] for i in items]

    def render(self, proposal: Proposal) -> str:
        import json

        item = OutboxItem(proposal.key, proposal, "pending", 0)
        kind = proposal.posting_kind
        if kind == "journal":
            body: Any = {"ManualJournals": [self._journal_body(proposal)]}
            path = "ManualJournals"
        elif kind == "receipt":
            body = {"Payments": [p for _, p in self._payment_items(item)]}
            path = "Payments"
        else:
            body = {"Contacts": [self._contact_body(proposal)]}
            path = "Contacts"
        return (
            f"Xero PUT {path}?summarizeErrors=false (tenant {self.tenant_id}, Idempotency-Key per batch):\n"
            + json.dumps(body, indent=2)
        )

    # -- manual journals ------------------------------------------------
    def _journal_body(self, proposal: Proposal) -> dict[str, Any]:
        narration = (proposal.description or f"tieout proposal {proposal.proposal_id}").strip()
        return {
            "Narration": f"{narration} {marker(proposal.key)}",
            "Date": proposal.posting_date.isoformat() if proposal.posting_date else None,
            "Status": "POSTED",
            "LineAmountTypes": "NoTax",
            "JournalLines": [
                {
                    "LineAmount": fmt(line.signed_base),
                    "AccountCode": line.account,
                    "Description": line.description or narration,
                }
                for line in proposal.lines
            ],
        }

    def _journals_with(self, key: str) -> list[dict[str, Any]]:
        body = (
            self._call(
                "GET", "ManualJournals", params={"where": f'Narration.Contains("{_quote(marker(key))}")'}
            )
            or {}
        )
        return [j for j in body.get("ManualJournals") or [] if j.get("Status") in ("POSTED", "DRAFT")]

    def _currency_problem(self, proposal: Proposal) -> str | None:
        """Why the journal cannot post in Xero's base currency (a line neither in it nor carrying base
        amounts in it), else None."""
        base = str(self.organisation().get("BaseCurrency") or "").upper()
        other = sorted({c for c in (ln.in_base()[2] for ln in proposal.lines) if base and c and c != base})
        if other:
            return (
                f"Xero manual journals are in the base currency {base}; this proposal has lines in "
                f"{', '.join(other)} without {base} amounts: rebuild it so every line carries base_debit / "
                f"base_credit in {base}"
            )
        return None

    def _post_journals(self, items: list[OutboxItem]) -> dict[str, PostResult]:
        results: dict[str, PostResult] = {}
        sendable = []
        for item in items:
            problem = self._currency_problem(item.proposal)
            if problem:
                results[item.key] = PostResult(item.key, False, error=problem)
            else:
                sendable.append(item)
        if not sendable:
            return results
        answers = self._put_batch(
            "ManualJournals", [self._journal_body(i.proposal) for i in sendable], [i.key for i in sendable]
        )
        for item, answer in zip(sendable, answers, strict=True):
            if isinstance(answer, str):
                results[item.key] = PostResult(item.key, False, error=answer)
            else:
                results[item.key] = PostResult(
                    item.key, True, ref=f"ManualJournal {answer.get('ManualJournalID')}"
                )
        return results

    # -- payments ------------------------------------------------
    def _payment_items(self, item: OutboxItem) -> list[tuple[int, dict[str, Any]]]:
        proposal = item.proposal
        banks = sorted({ln.account for ln in proposal.lines if ln.debit})
        if len(banks) != 1:
            raise ValueError(
                "a Xero payment proposal needs its debit lines on one bank account; found "
                f"{', '.join(banks) or 'none'}"
            )
        out = []
        for number, line in enumerate([ln for ln in proposal.lines if ln.credit], start=1):
            if not line.document_number:
                raise ValueError(
                    f"payment line {number} ({line.account}) needs document_number (the invoice)"
                )
            body: dict[str, Any] = {
                "Invoice": {"InvoiceNumber": line.document_number},
                "Account": {"Code": banks[0]},
                "Date": proposal.posting_date.isoformat() if proposal.posting_date else None,
                "Amount": fmt(line.credit),  # in the invoice's currency, the line's
                "Reference": payment_reference(item.key, number),
            }
            if line.has_base and line.base_currency != line.currency and line.base_credit:
                # Xero's CurrencyRate: units of the invoice's currency per unit of the base currency
                body["CurrencyRate"] = f"{(line.credit / line.base_credit):.6f}"
            out.append((number, body))
        return out

    def _payments_with(self, key: str) -> dict[int, str]:
        prefix = f"tieout {key}#"
        body = (
            self._call("GET", "Payments", params={"where": f'Reference.StartsWith("{_quote(prefix)}")'}) or {}
        )
        posted: dict[int, str] = {}
        for payment in body.get("Payments") or []:
            reference = str(payment.get("Reference") or "")
            tail = reference[len(prefix) :]
            if reference.startswith(prefix) and tail.isdigit() and payment.get("Status") != "DELETED":
                posted[int(tail)] = str(payment.get("PaymentID"))
        return posted

    def _post_payments(self, items: list[OutboxItem]) -> dict[str, PostResult]:
        results: dict[str, PostResult] = {}
        wanted: list[tuple[str, int, dict[str, Any]]] = []
        done: dict[str, dict[int, str]] = {}
        for item in items:
            try:
                parts = self._payment_items(item)
            except ValueError as exc:
                results[item.key] = PostResult(item.key, False, error=str(exc))
                continue
            # a retry posts only the payments Xero does not have yet
            done[item.key] = self._payments_with(item.key) if item.attempts > 1 else {}
            wanted.extend((item.key, n, body) for n, body in parts if n not in done[item.key])
        answers = (
            self._put_batch("Payments", [body for _, _, body in wanted], [f"{k}#{n}" for k, n, _ in wanted])
            if wanted
            else []
        )
        errors: dict[str, list[str]] = {}
        for (key, number, _), answer in zip(wanted, answers, strict=True):
            if isinstance(answer, str):
                errors.setdefault(key, []).append(f"payment {number}: {answer}")
            else:
                done[key][number] = str(answer.get("PaymentID"))
        for item in items:
            if item.key in results:
                continue
            refs = done.get(item.key, {})
            if item.key in errors:
                posted = (
                    f" ({len(refs)} of its payments did post: {', '.join(refs.values())})" if refs else ""
                )
                results[item.key] = PostResult(item.key, False, error="; ".join(errors[item.key]) + posted)
            else:
                results[item.key] = PostResult(
                    item.key, True, ref="Payments " + ", ".join(refs[n] for n in sorted(refs))
                )
        return results

    # -- contacts ------------------------------------------------
    @staticmethod
    def _contact_body(proposal: Proposal) -> dict[str, Any]:
        party = proposal.party
        body: dict[str, Any] = {"Name": party.get("name", ""), "ContactNumber": party.get("party_code", "")}
        if party.get("email"):
            body["EmailAddress"] = party["email"]
        if party.get("tax_id"):
            body["TaxNumber"] = party["tax_id"]
        if party.get("currency"):
            body["DefaultCurrency"] = party["currency"]
        address = {
            "AddressType": "POBOX",
            "AddressLine1": party.get("address_line1", ""),
            "AddressLine2": party.get("address_line2", ""),
            "City": party.get("city", ""),
            "Region": party.get("state", ""),
            "PostalCode": party.get("zip_code", ""),
            "Country": party.get("country_code", ""),
        }
        if any(v for k, v in address.items() if k != "AddressType"):
            body["Addresses"] = [{k: v for k, v in address.items() if v}]
        if party.get("phone"):
            body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": party["phone"]}]
        return body

    def _contacts_numbered(self, number: str) -> list[dict[str, Any]]:
        if not number:
            return []
        body = self._call("GET", "Contacts", params={"where": f'ContactNumber=="{_quote(number)}"'}) or {}
        return [c for c in body.get("Contacts") or [] if c.get("ContactStatus", "ACTIVE") != "ARCHIVED"]

    def _post_contacts(self, items: list[OutboxItem]) -> dict[str, PostResult]:
        results: dict[str, PostResult] = {}
        sendable = []
        for item in items:
            if not item.proposal.party.get("name") or not item.proposal.party.get("party_code"):
                results[item.key] = PostResult(
                    item.key, False, error="a new Xero contact needs a name and a ContactNumber (party_code)"
                )
            else:
                sendable.append(item)
        if not sendable:
            return results
        answers = self._put_batch(
            "Contacts", [self._contact_body(i.proposal) for i in sendable], [i.key for i in sendable]
        )
        for item, answer in zip(sendable, answers, strict=True):
            if isinstance(answer, str):
                results[item.key] = PostResult(item.key, False, error=answer)
            else:
                results[item.key] = PostResult(item.key, True, ref=f"Contact {answer.get('ContactID')}")
        return results

    # -- batches ------------------------------------------------
    def _put_batch(self, collection: str, bodies: list[dict[str, Any]], keys: list[str]) -> list[Any]:
        """PUT ``bodies`` with summarizeErrors=false; per item the record Xero answered or an error text."""
        batch_key = header_key("batch:" + hashlib.sha256("\n".join(keys).encode()).hexdigest())
        try:
            body = (
                self._call(
                    "PUT",
                    collection,
                    params={"summarizeErrors": "false"},
                    json={collection: bodies},
                    idempotency_key=batch_key,
                )
                or {}
            )
        except XeroApiError as exc:
            # the whole batch was refused (e.g. a body Xero cannot read): every item gets the reason
            return [f"Xero refused the batch: {exc}"] * len(bodies)
        crash.point(f"xero {collection} answered")
        answered = body.get(collection) or []
        if len(answered) != len(bodies):
            raise TransientTargetError(
                f"Xero answered {len(answered)} {collection} for {len(bodies)} sent; the outcome is checked "
                "on the next run"
            )
        out: list[Any] = []
        for record in answered:
            errors = [e.get("Message") for e in record.get("ValidationErrors") or [] if e.get("Message")]
            if record.get("StatusAttributeString") == "ERROR" or errors:
                out.append("Xero: " + ("; ".join(errors) or "the item was refused"))
            else:
                out.append(record)
        return out
