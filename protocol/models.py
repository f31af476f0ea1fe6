"""The messages between terminals and the backend (DESIGN.md sections 6-7).

Every request is a JSON object carrying ``terminal_id``, ``timestamp``,
``nonce`` and ``sign`` (see :mod:`protocol.signing`). Every response is
:class:`ApiResponse`: ``code`` is ``"OK"`` or an :class:`~protocol.errors.ErrorCode`,
``data`` the payload, and it is signed with the same terminal secret and
echoes the request's nonce, so a terminal can tell a genuine, fresh answer
from anything else.

A business outcome (code expired, balance too low, wrong PIN) is not a
request error: ``pay`` and ``confirm`` answer ``OK`` with a :class:`TradeView`
whose ``state`` and ``reason`` say what happened, because the trade exists
and a retry with the same ``out_trade_no`` must return the same answer.

Unknown fields are refused, except extension fields named ``ext_*``, which
are signed like any other and otherwise ignored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .errors import ErrorCode
from .paycode import Issuer

__all__ = [
    "FINAL_STATES",
    "MAX_AMOUNT_FEN",
    "MAX_BALANCE",
    "MAX_TTL_S",
    "OK",
    "ApiResponse",
    "CancelRequest",
    "CodOrderList",
    "CodOrderListRequest",
    "CodOrderView",
    "CodSignOffRequest",
    "CodStatus",
    "ConfirmRequest",
    "CreditView",
    "DeviceReport",
    "DeviceState",
    "EarnPointsRequest",
    "EchoRequest",
    "EnrolRequest",
    "EnrolResponse",
    "GuideRequest",
    "GuideResponse",
    "GuideTender",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "OtherTendersRequest",
    "OutRequestNo",
    "OutTradeNo",
    "PayRequest",
    "PinEnvelopeModel",
    "QueryRequest",
    "RefundRequest",
    "RefundView",
    "RotateSecretResponse",
    "SignedRequest",
    "Tender",
    "TenderPart",
    "TerminalKind",
    "TopUpRequest",
    "TradeListRequest",
    "TradePage",
    "TradeState",
    "TradeView",
    "cod_trade_description",
]

OK = "OK"
MAX_AMOUNT_FEN = 100_000_000  # CNY 1,000,000.00: anything above is a typing error
MAX_BALANCE = 100_000_000_000  # points, or fen (CNY 1,000,000,000.00): no account holds more
MAX_TTL_S = 366 * 86_400  # the longest any code, session or activation may live

OutTradeNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{6,32}$")]
OutRequestNo = OutTradeNo
Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN, strict=True)]
PaymentCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,32}$")]
ShortText = Annotated[str, StringConstraints(max_length=128)]


class TradeState(StrEnum):
    PIN_REQUIRED = "PIN_REQUIRED"
    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CLOSED = "CLOSED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    @property
    def is_paid(self) -> bool:
        """Money moved from the customer and has not been given back in full."""
        return self in (TradeState.SUCCESS, TradeState.PARTIALLY_REFUNDED)


FINAL_STATES = frozenset(
    {
        TradeState.SUCCESS,
        TradeState.FAILED,
        TradeState.CLOSED,
        TradeState.PARTIALLY_REFUNDED,
        TradeState.REFUNDED,
    }
)


class Tender(StrEnum):
    """Ways an order can be paid at the till."""

    POINTS = "points"
    CARD = "card"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"
    CASH = "cash"
    BANK_CARD = "bank_card"


class TerminalKind(StrEnum):
    POS = "pos"
    PDA = "pda"


class _Strict(BaseModel):
    """Refuse unknown fields, but let ``ext_*`` extension fields through."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=False)

    @model_validator(mode="after")
    def _only_extension_extras(self) -> Self:
        unknown = [k for k in (self.model_extra or {}) if not k.startswith("ext_")]
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        return self


class SignedRequest(_Strict):
    terminal_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    timestamp: Annotated[int, Field(strict=True, ge=0, le=2**40)]
    nonce: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{16,64}$")]
    sign: str = ""


class TenderPart(_Strict):
    """One part of a combination payment paid outside this code (cash, bank card...)."""

    tender: Tender
    amount_fen: Amount
    reference: ShortText = ""


class PayRequest(SignedRequest):
    """Pay ``amount_fen`` with a scanned code.

    Combination payment: ``other_tenders`` are the parts of the order paid
    another way (cash, bank card, another code's trade named in
    ``reference``); ``order_total_fen``, if sent, must be ``amount_fen`` plus
    them. ``allow_partial`` ("max points"): one of our wallets takes what its
    balance covers, up to ``amount_fen`` (the trade's ``amount_fen`` then says
    what was taken; an empty balance is still ``INSUFFICIENT_BALANCE``); the
    till records the rest afterwards with ``OtherTendersRequest``.
    """

    out_trade_no: OutTradeNo
    payment_code: PaymentCode
    amount_fen: Amount
    order_total_fen: Amount | None = None
    other_tenders: list[TenderPart] = Field(default_factory=list, max_length=8)
    description: ShortText = ""
    categories: list[ShortText] = Field(default_factory=list, max_length=20)
    allow_partial: Annotated[bool, Field(strict=True)] = False

    @model_validator(mode="after")
    def _parts_add_up(self) -> Self:
        if self.allow_partial and self.other_tenders:
            raise ValueError(
                "allow_partial: send the other tenders after the payment (OtherTendersRequest)"
            )
        if self.other_tenders and self.order_total_fen is not None:
            parts = self.amount_fen + sum(t.amount_fen for t in self.other_tenders)
            if parts != self.order_total_fen:
                raise ValueError(
                    f"order_total_fen must be amount_fen plus the other tenders ({parts})"
                )
        return self


class OtherTendersRequest(SignedRequest):
    """Record the rest of a combination payment on a paid trade (after ``allow_partial``).

    Accepted once per trade; the same tenders again get the trade as it is.
    """

    out_trade_no: OutTradeNo
    other_tenders: list[TenderPart] = Field(min_length=1, max_length=8)


class GuideRequest(SignedRequest):
    """Guide routing: which ways to pay the till may offer for an order, before it takes one.

    The merchant, store and terminal kind come from the terminal's identity.
    """

    amount_fen: Amount
    categories: list[ShortText] = Field(default_factory=list, max_length=20)


class PinEnvelopeModel(_Strict):
    key_id: Annotated[str, StringConstraints(max_length=64)]
    wrapped_key: Annotated[str, StringConstraints(max_length=2048)]
    iv: Annotated[str, StringConstraints(max_length=64)]
    ciphertext: Annotated[str, StringConstraints(max_length=512)]


class ConfirmRequest(SignedRequest):
    """Exactly one of ``pin_envelope`` and ``sms_code``."""

    out_trade_no: OutTradeNo
    pin_envelope: PinEnvelopeModel | None = None
    sms_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = None

    @model_validator(mode="after")
    def _one_secret(self) -> Self:
        if (self.pin_envelope is None) == (self.sms_code is None):
            raise ValueError("send exactly one of pin_envelope and sms_code")
        return self


class QueryRequest(SignedRequest):
    out_trade_no: OutTradeNo


class CancelRequest(SignedRequest):
    """Reverse: return any deduction and close the trade."""

    out_trade_no: OutTradeNo
    reason: ShortText = ""


class RefundRequest(SignedRequest):
    out_trade_no: OutTradeNo
    out_refund_no: OutRequestNo
    amount_fen: Amount
    reason: ShortText = ""


class EarnPointsRequest(SignedRequest):
    """Points earned on a sale; the member is found by a paid trade or a scanned code."""

    out_request_no: OutRequestNo
    paid_fen: Amount
    out_trade_no: OutTradeNo | None = None
    payment_code: PaymentCode | None = None

    @model_validator(mode="after")
    def _one_member(self) -> Self:
        if (self.out_trade_no is None) == (self.payment_code is None):
            raise ValueError("send exactly one of out_trade_no and payment_code")
        return self


class TopUpRequest(SignedRequest):
    """Stored-value card top-up at the till, paid with cash or a bank card."""

    out_request_no: OutRequestNo
    payment_code: PaymentCode
    amount_fen: Amount
    tender: Tender = Tender.CASH


class TradeListRequest(SignedRequest):
    """This terminal's trades, newest first, a page at a time."""

    cursor: Annotated[str, StringConstraints(max_length=64)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class EchoRequest(SignedRequest):
    """A signed round trip that touches nothing: health checks and the benchmark's peer."""


class EnrolRequest(_Strict):
    activation_code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{6,64}$")]
    device_name: ShortText = ""
    kind: TerminalKind = TerminalKind.POS


class EnrolResponse(BaseModel):
    terminal_id: str
    secret: str
    merchant_id: str
    store_id: str
    kind: TerminalKind
    pin_key_id: str
    pin_public_key: str  # PEM


class TradeView(BaseModel):
    """A trade as a terminal (or the customer's wallet) sees it."""

    out_trade_no: str
    trade_no: str
    state: TradeState
    issuer: Issuer | None = None
    amount_fen: int
    points: int = 0  # points deducted for this trade
    refunded_fen: int = 0
    reason: ErrorCode | None = None
    message: str = ""
    attempts_left: int | None = None
    pin_deadline: int | None = None  # unix seconds; PIN_REQUIRED closes after this
    balance_points: int | None = None
    balance_card_fen: int | None = None
    code_masked: str = ""
    channel: str | None = None
    created_at: int = 0
    updated_at: int = 0
    # combination payment: the order and its other parts (refunded first, last listed first)
    order_total_fen: int | None = None
    other_tenders: list[TenderPart] = Field(default_factory=list)
    other_refunded_fen: int = 0
    # how it was routed and judged: the routing version and logical channel rule, the risk decision
    routing_version: int | None = None
    routing_rule: str | None = None
    risk: str | None = None
    # external channels: the channel's last word (PAYING, PAID, CLOSED, REFUNDED, UNKNOWN)
    channel_state: str | None = None


class RefundView(BaseModel):
    """A refund; ``parts`` says what goes back by which tender, in the order given back.

    The code's own part (points, card, an external wallet) is returned by the
    backend; the other parts (cash, bank card, another trade named in
    ``reference``) are for the till to pay out.
    """

    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    trade: TradeView
    parts: list[TenderPart] = Field(default_factory=list)


class GuideTender(BaseModel):
    """One way to pay: offered, or hidden with the reason in plain words."""

    tender: Tender
    available: bool
    reason: ErrorCode | None = None
    message: str = ""
    recommended: bool = False


class GuideResponse(BaseModel):
    """The tenders to offer, in order, then the hidden ones with their reasons."""

    tenders: list[GuideTender]
    routing_version: int = 0

    @property
    def offered(self) -> list[Tender]:
        return [t.tender for t in self.tenders if t.available]


class CreditView(BaseModel):
    """Result of an earn or a top-up."""

    out_request_no: str
    points: int = 0
    card_fen: int = 0
    balance_points: int
    balance_card_fen: int


class TradePage(BaseModel):
    items: list[TradeView]
    next_cursor: str | None = None


class ApiResponse(BaseModel):
    """The signed envelope of every answer."""

    code: str = OK
    message: str = ""
    nonce: str = ""
    timestamp: int = 0
    sign: str = ""
    data: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.code == OK


# -- cash on delivery (the courier's PDA) -------------------------------------------------

CodOrderNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{4,32}$")]
Day = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
_COD_DESCRIPTION = "cod:"


def cod_trade_description(order_no: str) -> str:
    """The ``description`` a PDA sends with the ``pay`` of a COD order: how the two are linked.

    A COD order is paid through the ordinary ``pay`` (so the ledger logic stays
    in one place); the backend finds the order's payment by this text.
    """
    return _COD_DESCRIPTION + order_no


class CodStatus(StrEnum):
    TO_COLLECT = "TO_COLLECT"  # nothing paid yet
    PAID = "PAID"  # paid from the customer's wallet, not signed off yet
    SIGNED_OFF = "SIGNED_OFF"  # handed over and signed for (paid by wallet or in cash)


class CodOrderListRequest(SignedRequest):
    """The courier's orders for one day (the PDA's own date; default: the backend's today).

    The courier is the one the PDA was enrolled for (its activation code).
    """

    day: Day | None = None


class CodSignOffRequest(SignedRequest):
    """The parcel was handed over: to whom, and how it was paid (exactly one way).

    Idempotent on the order: the same sign-off sent again gets the same answer.
    """

    order_no: CodOrderNo
    recipient_name: PersonName
    out_trade_no: OutTradeNo | None = None  # the paying trade of this PDA's courier
    paid_cash: bool = False

    @model_validator(mode="after")
    def _one_payment(self) -> Self:
        if (self.out_trade_no is None) == (not self.paid_cash):
            raise ValueError("send exactly one of out_trade_no and paid_cash")
        return self


class CodOrderView(BaseModel):
    """A COD order as the courier (and the operator) sees it."""

    order_no: str
    day: str
    recipient: str
    address: str = ""
    amount_fen: int
    status: CodStatus
    out_trade_no: str | None = None  # the wallet payment, once paid
    paid_cash: bool = False
    signed_by: str | None = None
    signed_off_at: int | None = None  # unix seconds

    @property
    def trade_description(self) -> str:
        return cod_trade_description(self.order_no)


class CodOrderList(BaseModel):
    courier_id: str | None  # None: this device was not enrolled for a courier
    courier_name: str = ""
    day: str
    orders: list[CodOrderView]


# -- the fleet: heartbeats and secret rotation (issue 21) ------------------------------------


class DeviceState(StrEnum):
    """What a device of the terminal is doing, as its driver last saw it."""

    OK = "OK"
    CONNECTING = "CONNECTING"  # being opened, or reconnecting after an unplug
    ERROR = "ERROR"  # present but failing (paper out, a port error...): see ``error``
    ABSENT = "ABSENT"  # configured but not found


class DeviceReport(_Strict):
    """One device in a heartbeat: its URL without secrets, state and last error in plain words."""

    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,16}$")]  # scanner, pinpad, printer
    url: Annotated[str, StringConstraints(max_length=256)]
    state: DeviceState
    error: ShortText = ""
    last_scan_at: Annotated[int, Field(ge=0, le=2**40, strict=True)] | None = None  # unix seconds


class HeartbeatRequest(SignedRequest):
    """A terminal's state, sent every ``interval_s`` and at once when a device's state changes."""

    app: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
    version: Annotated[str, StringConstraints(max_length=32)] = ""
    devices: Annotated[list[DeviceReport], Field(max_length=16)] = []
    in_doubt: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0
    queued_signoffs: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 0
    clock_offset_s: Annotated[int, Field(ge=-(10**6), le=10**6, strict=True)] = 0


class HeartbeatResponse(BaseModel):
    """When to send the next one, and what store IT wants this terminal to do."""

    interval_s: int
    rotate_secret: bool = False


class RotateSecretResponse(BaseModel):
    """A new secret, pending until the terminal confirms it with a request signed by it."""

    secret: str
