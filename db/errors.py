"""Domain errors of the data layer. Each has a stable `code` the bot turns into a localized text."""

from __future__ import annotations

from decimal import Decimal


class DomainError(Exception):
    code = "error"


class InvalidAmount(DomainError):
    code = "invalid_amount"

    def __init__(self, amount: object, reason: str) -> None:
        super().__init__(f"invalid amount {amount!r}: {reason}")
        self.amount = amount
        self.reason = reason


class UserNotFound(DomainError):
    code = "user_not_found"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"

    def __init__(self, balance: Decimal, amount: Decimal) -> None:
        super().__init__(f"insufficient funds: balance {balance}, needed {amount}")
        self.balance = balance
        self.amount = amount


class BalanceLimitExceeded(DomainError):
    code = "balance_limit"

    def __init__(self, balance: Decimal, amount: Decimal, limit: Decimal) -> None:
        super().__init__(f"balance {balance} + {amount} would exceed the limit {limit}")
        self.balance = balance
        self.amount = amount
        self.limit = limit


class AccountError(DomainError):
    """Registration/login problems; `field` names the input at fault."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
