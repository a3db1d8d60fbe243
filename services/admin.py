"""Admin operations on users: find and list them, a user's card, credit and debit through the
ledger, disable and enable; the bot's figures; who a broadcast goes to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import accounts, queries
from db.errors import BalanceLimitExceeded, InsufficientFunds, InvalidAmount, UserNotFound
from db.ledger import deduct_balance, increase_balance
from db.models import Prediction, TxKind, User
from db.queries import Audience, Stats
from services.accounts import Page, page_of

SessionFactory = async_sessionmaker[AsyncSession]
CARD_PREDICTIONS = 5

__all__ = [
    "Adjusted",
    "Admin",
    "Audience",
    "BalanceLimitExceeded",
    "InsufficientFunds",
    "InvalidAmount",
    "Stats",
    "User",
    "UserCard",
    "UserNotFound",
]


@dataclass(frozen=True, slots=True)
class UserCard:
    user: User
    predictions: list[tuple[Prediction, str]]  # the latest, each with its model's name


@dataclass(frozen=True, slots=True)
class Adjusted:
    """A credit or debit done: whose balance, and what it is now."""

    user: User
    balance: Decimal


class Admin:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def users(self, query: str, page: int) -> Page[User]:
        """Users whose name, email or Telegram id contains `query` (all if empty), by id."""
        async with self._sessions() as session, session.begin():
            users, pages = await queries.list_users(session, query, page)
        return page_of(users, page, pages)

    async def card(self, ref: str) -> UserCard:
        """The user named by `ref` (see db.queries.find_user) with their latest predictions;
        UserNotFound if none."""
        async with self._sessions() as session, session.begin():
            user = await self._find(session, ref)
            preds, _ = await queries.user_predictions(session, user.id, 0, CARD_PREDICTIONS)
        return UserCard(user, preds)

    async def adjust(
        self, ref: str, kind: Literal["credit", "debit"], amount: str, by: str, reason: str
    ) -> Adjusted:
        """Credit or debit the user named by `ref`, recorded in the ledger with who did it and
        why. UserNotFound, InvalidAmount, InsufficientFunds or BalanceLimitExceeded."""
        description = f"Admin {kind} by {by}" + (f": {reason}" if reason else "")
        async with self._sessions() as session, session.begin():
            user = await self._find(session, ref)
            if kind == "credit":
                entry = await increase_balance(
                    session, user.id, amount, description, kind=TxKind.ADMIN_CREDIT
                )
            else:
                entry = await deduct_balance(session, user.id, amount, description, kind=TxKind.ADMIN_DEBIT)
        return Adjusted(user, entry.balance)

    async def set_disabled(self, ref: str, disabled: bool | None) -> User:
        """Disable or enable the user named by `ref` (None: the other way round from now);
        returns them as they are now. UserNotFound if none."""
        async with self._sessions() as session, session.begin():
            user = await self._find(session, ref)
            value = not user.disabled if disabled is None else disabled
            await accounts.set_disabled(session, user.id, value)
        user.disabled = value
        return user

    async def stats(self) -> Stats:
        async with self._sessions() as session, session.begin():
            return await queries.stats(session)

    async def audience(self) -> Audience:
        """Who a broadcast goes to now."""
        async with self._sessions() as session, session.begin():
            return await queries.broadcast_audience(session)

    async def mark_unreachable(self, telegram_ids: Sequence[int]) -> None:
        """Telegram refused to deliver to these chats: later broadcasts skip them."""
        if not telegram_ids:
            return
        async with self._sessions() as session, session.begin():
            await queries.mark_unreachable(session, telegram_ids)

    @staticmethod
    async def _find(session: AsyncSession, ref: str) -> User:
        user = await queries.find_user(session, ref) if ref else None
        if user is None:
            raise UserNotFound(f"no user {ref!r}")
        return user
