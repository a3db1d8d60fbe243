"""Small helpers shared by the data-layer tests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.ledger import reconcile
from db.models import Transaction, User


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
