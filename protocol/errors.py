"""Every reason a payment or a request can fail, and the one plain message for each.

The codes travel on the wire (``code`` in a response, ``reason`` on a trade);
the exceptions are how Python code on either side raises and catches them.
Each code belongs to exactly one branch of the tree, and the branch tells a
terminal what to do next::

    ScanPayError                 base of everything we raise on purpose
    ├── PaymentDeclined          definite: the customer was not charged
    │                            (code invalid/expired/used, balance, PIN, limit, frozen...)
    ├── RequestRejected          definite: the request was refused before any money moved
    │                            (bad signature, replay, bad parameters, conflict, not found)
    ├── ServiceUnavailable       definite: nothing was done; try again later
    │                            (busy, rate limited, channel down)
    └── OutcomeUnknown           NOT definite: the terminal must query, never assume failure
                                 (system error, timeout, a response it cannot trust)

A message never carries a PIN, a full payment code, a secret, a stack or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ERRORS",
    "ErrorCode",
    "ErrorInfo",
    "OutcomeUnknown",
    "PaymentDeclined",
    "RequestRejected",
    "ScanPayError",
    "ServiceUnavailable",
    "error_for",
    "message_for",
]


class ErrorCode(StrEnum):
    """Stable identifiers; never renamed, since terminals in the field match on them."""

    # the payment code (DESIGN.md section 5-6)
    CODE_INVALID = "CODE_INVALID"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODE_USED = "CODE_USED"
    CODE_MISREAD = "CODE_MISREAD"
    NOT_A_PAYMENT_CODE = "NOT_A_PAYMENT_CODE"
    ISSUER_NOT_SUPPORTED = "ISSUER_NOT_SUPPORTED"
    # the account and the PIN
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    PIN_WRONG = "PIN_WRONG"
    PIN_LOCKED = "PIN_LOCKED"
    SMS_CODE_WRONG = "SMS_CODE_WRONG"
    OVER_LIMIT = "OVER_LIMIT"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    RISK_DECLINED = "RISK_DECLINED"
    CHANNEL_DECLINED = "CHANNEL_DECLINED"
    # the way to pay (routing: a tender the order or the store cannot use)
    TENDER_NOT_ALLOWED = "TENDER_NOT_ALLOWED"
    AMOUNT_OUT_OF_RANGE = "AMOUNT_OUT_OF_RANGE"
    # the trade's life
    TRADE_CLOSED = "TRADE_CLOSED"
    TRADE_NOT_FOUND = "TRADE_NOT_FOUND"
    CANCELLED = "CANCELLED"
    PAYMENT_TIMED_OUT = "PAYMENT_TIMED_OUT"
    PINPAD_FAILED = "PINPAD_FAILED"
    REFUND_TOO_LARGE = "REFUND_TOO_LARGE"
    REFUND_NOT_ALLOWED = "REFUND_NOT_ALLOWED"
    # cash-on-delivery orders
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_PAYMENT_MISMATCH = "ORDER_PAYMENT_MISMATCH"
    ORDER_ALREADY_SIGNED_OFF = "ORDER_ALREADY_SIGNED_OFF"
    # the request itself
    BAD_REQUEST = "BAD_REQUEST"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    STALE_REQUEST = "STALE_REQUEST"
    REPLAYED_REQUEST = "REPLAYED_REQUEST"
    UNKNOWN_TERMINAL = "UNKNOWN_TERMINAL"
    TERMINAL_DISABLED = "TERMINAL_DISABLED"
    ACTIVATION_CODE_INVALID = "ACTIVATION_CODE_INVALID"
    DUPLICATE_REQUEST_NUMBER = "DUPLICATE_REQUEST_NUMBER"
    NOT_AUTHORISED = "NOT_AUTHORISED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    # the service
    SERVICE_BUSY = "SERVICE_BUSY"
    CHANNEL_UNAVAILABLE = "CHANNEL_UNAVAILABLE"
    CHANNEL_MAINTENANCE = "CHANNEL_MAINTENANCE"
    BACKEND_UNREACHABLE = "BACKEND_UNREACHABLE"
    # not definite
    USER_PAYING = "USER_PAYING"
    SYSTEM_ERROR = "SYSTEM_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"  # on a call that moves no money: nothing was changed
    NETWORK_ERROR = "NETWORK_ERROR"
    BAD_RESPONSE = "BAD_RESPONSE"


class ScanPayError(Exception):
    """Base class: carries one :class:`ErrorCode` and its plain message."""

    code: ErrorCode = ErrorCode.SYSTEM_ERROR

    def __init__(self, code: ErrorCode | None = None, detail: str = "") -> None:
        if code is not None:
            self.code = code
        self.detail = detail
        super().__init__(message_for(self.code, "en") + (f" ({detail})" if detail else ""))

    def message(self, lang: str = "en") -> str:
        return message_for(self.code, lang)


class PaymentDeclined(ScanPayError):
    """The payment did not happen and nothing was charged."""

    code = ErrorCode.SYSTEM_ERROR


class RequestRejected(ScanPayError):
    """The request was refused before it reached any money."""

    code = ErrorCode.BAD_REQUEST


class ServiceUnavailable(ScanPayError):
    """The service refused the work for now; nothing was done."""

    code = ErrorCode.SERVICE_BUSY


class OutcomeUnknown(ScanPayError):
    """We do not know what happened: query, then reverse; never report failure."""

    code = ErrorCode.SYSTEM_ERROR


@dataclass(frozen=True)
class ErrorInfo:
    kind: type[ScanPayError]
    http_status: int
    en: str
    zh: str

    @property
    def query_instead(self) -> bool:
        """True when a terminal must query the trade rather than call it failed."""
        return self.kind is OutcomeUnknown


_D, _R, _S, _U = PaymentDeclined, RequestRejected, ServiceUnavailable, OutcomeUnknown

ERRORS: dict[ErrorCode, ErrorInfo] = {
    ErrorCode.CODE_INVALID: ErrorInfo(
        _D,
        200,
        "This payment code is not valid. Ask the customer to refresh it.",
        "付款码无效，请顾客刷新付款码。",
    ),
    ErrorCode.CODE_EXPIRED: ErrorInfo(
        _D,
        200,
        "This payment code has expired. Ask the customer to refresh it.",
        "付款码已过期，请顾客刷新付款码。",
    ),
    ErrorCode.CODE_USED: ErrorInfo(
        _D,
        200,
        "This payment code was already used. Ask the customer for a new one.",
        "付款码已被使用，请顾客刷新付款码。",
    ),
    ErrorCode.CODE_MISREAD: ErrorInfo(
        _D, 400, "The code was misread. Please scan it again.", "付款码读取有误，请重新扫码。"
    ),
    ErrorCode.NOT_A_PAYMENT_CODE: ErrorInfo(
        _D,
        400,
        "That is not a payment code. Scan the code in the customer's wallet.",
        "这不是付款码，请扫描顾客钱包中的付款码。",
    ),
    ErrorCode.ISSUER_NOT_SUPPORTED: ErrorInfo(
        _D,
        200,
        "This wallet is not accepted here. Offer another way to pay.",
        "本店暂不支持该钱包，请使用其他支付方式。",
    ),
    ErrorCode.INSUFFICIENT_BALANCE: ErrorInfo(
        _D, 200, "Not enough balance in the customer's account.", "账户余额不足。"
    ),
    ErrorCode.PIN_WRONG: ErrorInfo(
        _D, 200, "Wrong PIN. The customer can try again.", "支付密码错误，请重新输入。"
    ),
    ErrorCode.PIN_LOCKED: ErrorInfo(
        _D,
        200,
        "PIN payments are locked after too many wrong PINs. "
        "Use the SMS code, or reset the PIN by SMS.",
        "密码错误次数过多，密码支付已锁定。请使用短信验证码，或通过短信重置密码。",
    ),
    ErrorCode.SMS_CODE_WRONG: ErrorInfo(
        _D,
        200,
        "Wrong or expired SMS code. The customer can try again.",
        "短信验证码错误或已过期，请重新输入。",
    ),
    ErrorCode.OVER_LIMIT: ErrorInfo(
        _D, 200, "The amount is over the customer's limit.", "金额超出顾客的支付限额。"
    ),
    ErrorCode.ACCOUNT_FROZEN: ErrorInfo(
        _D,
        200,
        "The customer's account is frozen. Ask the customer to contact support.",
        "顾客账户已冻结，请联系客服。",
    ),
    ErrorCode.RISK_DECLINED: ErrorInfo(
        _D,
        200,
        "Declined for the customer's safety. Offer another way to pay.",
        "出于安全原因被拒绝，请使用其他支付方式。",
    ),
    ErrorCode.CHANNEL_DECLINED: ErrorInfo(
        _D, 200, "The customer's wallet declined the payment.", "顾客的钱包拒绝了本次支付。"
    ),
    ErrorCode.TENDER_NOT_ALLOWED: ErrorInfo(
        _D,
        200,
        "This way to pay cannot be used for this order. Offer another way to pay.",
        "该订单不能使用此支付方式，请使用其他支付方式。",
    ),
    ErrorCode.AMOUNT_OUT_OF_RANGE: ErrorInfo(
        _D,
        200,
        "The amount is outside what this way to pay accepts. Offer another way to pay.",
        "金额超出该支付方式的限额，请使用其他支付方式。",
    ),
    ErrorCode.TRADE_CLOSED: ErrorInfo(
        _D,
        200,
        "This payment was already closed; nothing was charged. Start a new one.",
        "该笔交易已关闭，未扣款，请重新发起。",
    ),
    ErrorCode.TRADE_NOT_FOUND: ErrorInfo(
        _R, 404, "No payment with that order number.", "未找到该订单号的交易。"
    ),
    ErrorCode.CANCELLED: ErrorInfo(
        _D, 200, "The payment was stopped; nothing was charged.", "支付已取消，未扣款。"
    ),
    ErrorCode.PAYMENT_TIMED_OUT: ErrorInfo(
        _D,
        200,
        "The payment was not confirmed in time and was reversed; nothing was charged.",
        "支付未能及时确认，已撤销，未扣款。",
    ),
    ErrorCode.PINPAD_FAILED: ErrorInfo(
        _D,
        200,
        "The PIN pad stopped working; the payment was reversed and nothing was charged.",
        "密码键盘无响应，支付已撤销，未扣款。",
    ),
    ErrorCode.REFUND_TOO_LARGE: ErrorInfo(
        _R, 409, "The refund is larger than what is left to refund.", "退款金额超过可退金额。"
    ),
    ErrorCode.REFUND_NOT_ALLOWED: ErrorInfo(
        _R,
        409,
        "This payment cannot be refunded: it was not paid.",
        "该笔交易未支付成功，不能退款。",
    ),
    ErrorCode.ORDER_NOT_FOUND: ErrorInfo(
        _R,
        404,
        "No delivery order with that number for this courier.",
        "未找到该配送员的这个配送订单。",
    ),
    ErrorCode.ORDER_PAYMENT_MISMATCH: ErrorInfo(
        _R,
        409,
        "That payment does not belong to this order (amount, order or state differ). "
        "Check the order's payment.",
        "该笔支付与此订单不符（金额、订单或状态不一致），请核对订单的支付。",
    ),
    ErrorCode.ORDER_ALREADY_SIGNED_OFF: ErrorInfo(
        _R,
        409,
        "This order was already signed off differently.",
        "该订单已按其他信息签收。",
    ),
    ErrorCode.BAD_REQUEST: ErrorInfo(_R, 400, "The request was not valid.", "请求参数无效。"),
    ErrorCode.BAD_SIGNATURE: ErrorInfo(
        _R, 401, "The request signature is not valid.", "请求签名无效。"
    ),
    ErrorCode.STALE_REQUEST: ErrorInfo(
        _R,
        401,
        "The request time is too far from the server's clock. Check the terminal's clock.",
        "请求时间与服务器相差过大，请检查终端时间。",
    ),
    ErrorCode.REPLAYED_REQUEST: ErrorInfo(
        _R, 401, "This request was already received once.", "重复的请求。"
    ),
    ErrorCode.UNKNOWN_TERMINAL: ErrorInfo(
        _R,
        401,
        "This terminal is not enrolled. Enrol it with an activation code.",
        "终端未注册，请使用激活码注册。",
    ),
    ErrorCode.TERMINAL_DISABLED: ErrorInfo(
        _R,
        403,
        "This till has been switched off by store IT. Call store IT.",
        "此收银终端已被门店IT停用，请联系门店IT。",
    ),
    ErrorCode.ACTIVATION_CODE_INVALID: ErrorInfo(
        _R, 400, "The activation code is wrong, used or expired.", "激活码错误、已使用或已过期。"
    ),
    ErrorCode.DUPLICATE_REQUEST_NUMBER: ErrorInfo(
        _R,
        409,
        "That order or request number was already used for a different request.",
        "该订单号或请求号已用于另一笔不同的请求。",
    ),
    ErrorCode.NOT_AUTHORISED: ErrorInfo(
        _R, 403, "Not allowed. Sign in again.", "无权访问，请重新登录。"
    ),
    ErrorCode.REQUEST_TOO_LARGE: ErrorInfo(
        _R,
        413,
        "The request is too large. Nothing was done.",
        "请求内容过大，未做任何处理。",
    ),
    ErrorCode.SERVICE_BUSY: ErrorInfo(
        _S, 429, "The service is busy. Please try again in a moment.", "服务繁忙，请稍后再试。"
    ),
    ErrorCode.CHANNEL_UNAVAILABLE: ErrorInfo(
        _S, 503, "Payment failed, please try again later.", "支付失败，请稍后重试。"
    ),
    ErrorCode.CHANNEL_MAINTENANCE: ErrorInfo(
        _S,
        503,
        "This way to pay is under maintenance. Nothing was charged; offer another way to pay.",
        "该支付方式正在维护，未扣款，请使用其他支付方式。",
    ),
    ErrorCode.BACKEND_UNREACHABLE: ErrorInfo(
        _S,
        503,
        "Cannot reach the payment service. Nothing was charged; offer another way to pay.",
        "无法连接支付服务，未扣款，请使用其他支付方式。",
    ),
    ErrorCode.USER_PAYING: ErrorInfo(
        _U,
        200,
        "Waiting for the customer to confirm in their wallet.",
        "等待顾客在钱包中确认支付。",
    ),
    ErrorCode.SYSTEM_ERROR: ErrorInfo(
        _U,
        500,
        "System error. Checking whether the payment went through...",
        "系统错误，正在确认支付结果……",
    ),
    ErrorCode.INTERNAL_ERROR: ErrorInfo(
        _S,
        500,
        "Something went wrong; nothing was changed. Try again.",
        "出错了，没有做任何更改，请重试。",
    ),
    ErrorCode.NETWORK_ERROR: ErrorInfo(
        _U,
        503,
        "Cannot reach the payment service. Checking whether the payment went through...",
        "无法连接支付服务，正在确认支付结果……",
    ),
    ErrorCode.BAD_RESPONSE: ErrorInfo(
        _U,
        502,
        "The answer from the payment service could not be trusted. Checking again...",
        "支付服务的应答无法校验，正在重新确认……",
    ),
}


def message_for(code: ErrorCode | str, lang: str = "en") -> str:
    """The plain message for ``code`` in ``lang`` ("en" or "zh"; anything else is English)."""
    info = ERRORS[ErrorCode(code)]
    return info.zh if lang.lower().startswith("zh") else info.en


def error_for(code: ErrorCode | str, detail: str = "") -> ScanPayError:
    """The exception of the right branch for ``code``."""
    info = ERRORS[ErrorCode(code)]
    return info.kind(ErrorCode(code), detail)
