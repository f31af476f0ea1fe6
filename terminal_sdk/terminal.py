"""A terminal: configuration, credentials, client and journal together, as the apps use them.

``async with Terminal.open(config) as terminal`` connects, and
:meth:`Terminal.settle` must run before the first payment: it brings every
payment and refund left in doubt by a crash to a definite end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import httpx

from protocol.errors import ErrorCode, OutcomeUnknown, RequestRejected, ScanPayError

from .client import ScanPayClient
from .config import TerminalConfig
from .credentials import Credentials, CredentialStore
from .journal import Journal, PaymentEntry
from .profiles import QueryProfile
from .refunds import RefundResult, refund, settle_refunds
from .rotation import finish_rotation, rotate_secret
from .session import PaymentResult, PaymentSession, PinSource, SessionEvent, settle_in_doubt

__all__ = ["BackendHealth", "Health", "SettleReport", "Terminal"]


class Health(StrEnum):
    OK = "OK"
    UNREACHABLE = "UNREACHABLE"  # no connection: offer other tenders
    REJECTED = "REJECTED"  # it answered but refuses this terminal (enrolment, clock)
    UNTRUSTED = "UNTRUSTED"  # it answered, but not with a valid signature
    DISABLED = "DISABLED"  # store IT switched this terminal off: cash only


@dataclass(frozen=True)
class BackendHealth:
    health: Health
    reason: ErrorCode | None = None

    @property
    def ok(self) -> bool:
        return self.health is Health.OK


@dataclass(frozen=True)
class SettleReport:
    payments: list[PaymentResult]
    refunds: list[RefundResult]

    @property
    def still_in_doubt(self) -> int:
        return sum(p.reversal_pending for p in self.payments) + sum(r.pending for r in self.refunds)


class Terminal:
    def __init__(
        self,
        config: TerminalConfig,
        credentials: Credentials,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        profile: QueryProfile | None = None,
    ) -> None:
        self.config = config
        self.credentials = credentials
        self.store = CredentialStore(config.credentials_file, config.terminal.account)
        self.profile = profile
        self.client = ScanPayClient(
            config.backend.url,
            credentials,
            ca_file=config.backend.ca_file,
            connect_timeout_s=config.backend.connect_timeout_s,
            request_timeout_s=config.backend.request_timeout_s,
            transport=transport,
        )
        self.journal = Journal(config.journal_path)

    @classmethod
    def open(
        cls,
        config: TerminalConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        profile: QueryProfile | None = None,
    ) -> Terminal:
        """Load the stored credentials (raises ``CredentialsMissing``) and connect."""
        store = CredentialStore(config.credentials_file, config.terminal.account)
        return cls(config, store.load(), transport=transport, profile=profile)

    async def __aenter__(self) -> Terminal:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.client.aclose()
        self.journal.close()

    async def health(self) -> BackendHealth:
        try:
            await self.client.echo()
        except OutcomeUnknown as exc:
            if exc.code is ErrorCode.BAD_RESPONSE:
                return BackendHealth(Health.UNTRUSTED, exc.code)
            return BackendHealth(Health.UNREACHABLE, exc.code)
        except RequestRejected as exc:
            if exc.code is ErrorCode.TERMINAL_DISABLED:
                return BackendHealth(Health.DISABLED, exc.code)
            return BackendHealth(Health.REJECTED, exc.code)
        except ScanPayError as exc:
            if exc.code is ErrorCode.BACKEND_UNREACHABLE:
                return BackendHealth(Health.UNREACHABLE, exc.code)
            return BackendHealth(Health.REJECTED, exc.code)
        return BackendHealth(Health.OK)

    async def rotate_secret(self, on_step: Callable[[str], None] | None = None) -> None:
        """Obtain a new secret and make it this terminal's, crash-safe (:mod:`.rotation`)."""
        self.credentials = await rotate_secret(self.client, self.store, on_step)

    async def finish_rotation(self) -> None:
        """Complete or drop a rotation a crash interrupted (before anything else at start-up)."""
        self.credentials = await finish_rotation(self.client, self.store)

    def in_doubt(self) -> list[PaymentEntry]:
        return self.journal.in_doubt()

    async def settle(
        self, on_result: Callable[[PaymentEntry, PaymentResult], None] | None = None
    ) -> SettleReport:
        """Settle in-doubt payments and refunds; run before taking a new payment."""
        payments = await settle_in_doubt(
            self.client, self.journal, profile=self.profile, on_result=on_result
        )
        refunds = await settle_refunds(self.client, self.journal)
        return SettleReport(payments, refunds)

    def session(
        self,
        *,
        pin_source: PinSource | None = None,
        on_event: Callable[[SessionEvent], None] | None = None,
    ) -> PaymentSession:
        return PaymentSession(
            self.client,
            self.journal,
            pin_source=pin_source,
            on_event=on_event,
            profile=self.profile,
        )

    async def refund(self, out_trade_no: str, amount_fen: int, reason: str = "") -> RefundResult:
        return await refund(self.client, self.journal, out_trade_no, amount_fen, reason=reason)
