"""Small helpers shared by the data-layer and service tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Services
from db.accounts import register
from db.ledger import reconcile
from db.models import Transaction, User
from services.predictions import _Charged, _ChargeRequest


async def make_user(
    session_factory: async_sessionmaker[AsyncSession], balance: float = 0.0, name: str = "u"
) -> int:
    """A bare user row with `balance` (bypassing registration, for ledger tests)."""
    async with session_factory() as s, s.begin():
        user = User(username=name, email=f"{name}@example.com", hashed_password="x", balance=0.0)
        s.add(user)
        await s.flush()
        if balance:
            from db.ledger import increase_balance

            await increase_balance(s, user.id, balance, "test opening balance")
        return user.id


async def balance_of(session_factory: async_sessionmaker[AsyncSession], user_id: int) -> Decimal:
    async with session_factory() as s:
        value = await s.scalar(select(User.balance).where(User.id == user_id))
        assert value is not None
        return Decimal(repr(value))


async def transactions_of(
    session_factory: async_sessionmaker[AsyncSession], user_id: int
) -> list[Transaction]:
    async with session_factory() as s:
        return list(
            (
                await s.scalars(
                    select(Transaction).where(Transaction.user_id == user_id).order_by(Transaction.id)
                )
            ).all()
        )


async def assert_reconciled(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as s:
        assert await reconcile(s) == []


class Clock:
    """Time that moves only when the test says (for what refills or spaces by the clock: the
    throttle's buckets, the pacer's slots)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


async def new_user(services: Services, name: str = "alice", tg: int = 1) -> int:
    async with services.session_factory() as s, s.begin():
        user = await register(
            s,
            telegram_id=tg,
            username=name,
            email=f"{name}@example.com",
            password="passw0rd!",
            passwords=services.passwords,
        )
        return user.id


async def crash_mid_run(services: Services, uid: int, model: str, values: Any) -> int:
    """What a crash after the charge leaves behind: a committed charge and a pending row."""
    request = _ChargeRequest(
        uid, model, services.predictions.parse(model, values), None, None, services.registry.version_of(model)
    )
    charged = await services.predictions._charge_one(request)
    assert isinstance(charged, _Charged)
    return charged.prediction_id
