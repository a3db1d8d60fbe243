"""Telegram's own record of Star transactions, for tests: a LocalSession whose getStarTransactions
and refundStarPayment answer from it, the way the Bot API does."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramServerError
from aiogram.methods import GetStarTransactions, RefundStarPayment, TelegramMethod
from aiogram.types import StarTransaction, StarTransactions

from bot.local_session import LocalSession

_charges = itertools.count(1)


@dataclass
class StarsRecord:
    """The truth: every Star that moved, newest first as the Bot API lists them."""

    transactions: list[dict[str, Any]] = field(default_factory=list)
    refuse: dict[str, list[str]] = field(default_factory=dict)  # charge -> outcomes to give next
    chronological: bool = False  # list the oldest first (as the Bot API's documentation says)
    clock: int = field(default_factory=lambda: int(time.time()))

    def _now(self) -> int:
        self.clock += 1  # one transaction a second: dates tell the order
        return self.clock

    def listing(self) -> list[dict[str, Any]]:
        return self.transactions[::-1] if self.chronological else self.transactions

    def pay(self, tg_user: dict[str, Any], payload: str, stars: int) -> str:
        charge = f"stxn-{next(_charges)}-{time.time_ns()}"
        self.transactions.insert(
            0,
            {
                "id": charge,
                "amount": stars,
                "date": self._now(),
                "source": {
                    "type": "user",
                    "transaction_type": "invoice_payment",
                    "user": tg_user,
                    "invoice_payload": payload,
                },
            },
        )
        return charge

    def incoming(self) -> dict[str, int]:
        return {t["id"]: t["amount"] for t in self.transactions if "source" in t}

    def refunded(self) -> set[str]:
        return {t["id"] for t in self.transactions if "receiver" in t}

    def refund(self, user_id: int, charge: str) -> None:
        """refundStarPayment as Telegram answers it."""
        paid = next((t for t in self.transactions if t["id"] == charge and "source" in t), None)
        if paid is None or paid["source"]["user"]["id"] != user_id:
            raise ValueError("CHARGE_NOT_FOUND")
        if charge in self.refunded():
            raise ValueError("CHARGE_ALREADY_REFUNDED")
        planned = self.refuse.get(charge)
        outcome = planned.pop(0) if planned else "ok"
        if outcome != "ok":
            raise ValueError(outcome)
        self.transactions.insert(
            0,
            {
                "id": charge,
                "amount": paid["amount"],
                "date": self._now(),
                "receiver": {
                    "type": "user",
                    "transaction_type": "invoice_payment",
                    "user": paid["source"]["user"],
                },
            },
        )

    def refund_outside(self, charge: str) -> None:
        """Telegram's support returns the Stars without the bot."""
        paid = next(t for t in self.transactions if t["id"] == charge and "source" in t)
        self.transactions.insert(
            0, {"id": charge, "amount": paid["amount"], "date": self._now(), "receiver": paid["source"]}
        )


class StarsSession(LocalSession):
    def __init__(self, record: StarsRecord, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record

    def _answer(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetStarTransactions):
            offset, limit = method.offset or 0, method.limit or 100
            page = self.record.listing()[offset : offset + limit]
            return StarTransactions(transactions=[StarTransaction.model_validate(t) for t in page])
        if isinstance(method, RefundStarPayment):
            try:
                self.record.refund(method.user_id, method.telegram_payment_charge_id)
            except ValueError as exc:
                if str(exc) == "transient":
                    raise TelegramServerError(method=method, message="Internal Server Error") from None
                raise TelegramBadRequest(method=method, message=f"Bad Request: {exc}") from None
            return True
        return super()._answer(bot, method)
