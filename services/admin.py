"""Admin operations on users: find and list them, a user's card, credit and debit through the
ledger (each confirmed action under its own idempotency key, so it runs once), disable and
enable (never an admin); the bot's figures over a date range; who a broadcast goes to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import queries, reports
from db.errors import BalanceLimitExceeded, DomainError, InsufficientFunds, InvalidAmount, UserNotFound
from db.ledger import MAX_BALANCE, deduct_balance, increase_balance, to_money, validate_amount
from db.models import Prediction, TxKind, User, utcnow
from db.queries import Audience, Stats
from db.reports import DailySeries, PaymentLine, RangeStats, Recipients
from services.accounts import Page, page_of

SessionFactory = async_sessionmaker[AsyncSession]
CARD_PREDICTIONS = 5
CARD_PAYMENTS = 5

__all__ = [
    "AdjustPlan",
    "Adjusted",
    "Admin",
    "AlreadyDone",
    "Audience",
    "BalanceLimitExceeded",
    "DailySeries",
    "Dashboard",
    "DisableRefused",
    "InsufficientFunds",
    "InvalidAmount",
    "PaymentLine",
    "RangeStats",
    "Recipients",
    "Stats",
    "Switched",
    "User",
    "UserCard",
    "UserNotFound",
]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """/stats: the figures of a range and the same range day by day (for its chart)."""

    stats: RangeStats
    series: DailySeries


class DisableRefused(DomainError):
    """`code` 'self' (an admin disabling their own account) or 'admin' (another admin's)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class AlreadyDone(DomainError):
    """This confirmed action ran before (its idempotency key is in the ledger): nothing changed."""

    code = "already_done"


@dataclass(frozen=True, slots=True)
class UserCard:
    user: User
    predictions: list[tuple[Prediction, str]]  # the latest, each with its model's name
    payments: list[PaymentLine]  # the latest Stars payments
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class AdjustPlan:
    """A credit or debit as its confirmation shows it (checked, not done)."""

    user: User
    kind: Literal["credit", "debit"]
    amount: Decimal
    balance: Decimal  # now
    after: Decimal  # once done


@dataclass(frozen=True, slots=True)
class Adjusted:
    """A credit or debit done: whose balance, and what it is now."""

    user: User
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Switched:
    """A disable or enable done: the user as they are now, and whether it changed anything (a
    second confirmation of the same change does not; its user is not told twice)."""

    user: User
    changed: bool


class Admin:
    def __init__(self, sessions: SessionFactory, admin_ids: frozenset[int] = frozenset()) -> None:
        self._sessions = sessions
        self._admin_ids = admin_ids

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
            payments = await reports.user_payments(session, user.id, CARD_PAYMENTS)
        return UserCard(user, preds, payments, self.is_admin(user))

    def is_admin(self, user: User) -> bool:
        return user.telegram_id is not None and user.telegram_id in self._admin_ids

    async def find(self, ref: str) -> User:
        """The user `ref` names (see db.queries.find_user); UserNotFound if none."""
        async with self._sessions() as session, session.begin():
            return await self._find(session, ref)

    async def plan_adjust(self, ref: str, kind: Literal["credit", "debit"], amount: str) -> AdjustPlan:
        """What a credit or debit would do, for its confirmation: UserNotFound, InvalidAmount,
        InsufficientFunds or BalanceLimitExceeded now rather than after the tap."""
        value = validate_amount(amount)
        user = await self.find(ref)
        balance = to_money(user.balance)
        if kind == "debit" and balance < value:
            raise InsufficientFunds(balance, value)
        if kind == "credit" and balance + value > MAX_BALANCE:
            raise BalanceLimitExceeded(balance, value, MAX_BALANCE)
        after = balance + value if kind == "credit" else balance - value
        return AdjustPlan(user, kind, value, balance, after)

    async def adjust(
        self,
        user_id: int,
        kind: Literal["credit", "debit"],
        amount: Decimal | str,
        by: str,
        reason: str,
        key: str | None = None,
    ) -> Adjusted:
        """Credit or debit a user, recorded in the ledger with who did it and why (the record
        is the admins'; what the user reads of it is rendered from its kind). `key`, the
        confirmation's nonce, makes it happen once: AlreadyDone the second time. UserNotFound,
        InvalidAmount, InsufficientFunds or BalanceLimitExceeded."""
        description = f"Admin {kind} by {by}" + (f": {reason}" if reason else "")
        idempotency_key = None if key is None else f"adm:{key}"[:64]
        try:
            async with self._sessions() as session, session.begin():
                user = await session.get(User, user_id)
                if user is None:
                    raise UserNotFound(f"no user {user_id}")
                if kind == "credit":
                    entry = await increase_balance(
                        session,
                        user.id,
                        amount,
                        description,
                        kind=TxKind.ADMIN_CREDIT,
                        idempotency_key=idempotency_key,
                    )
                else:
                    entry = await deduct_balance(
                        session,
                        user.id,
                        amount,
                        description,
                        kind=TxKind.ADMIN_DEBIT,
                        idempotency_key=idempotency_key,
                    )
        except IntegrityError:  # the key is in the ledger: this confirmation ran already
            raise AlreadyDone(idempotency_key or "") from None
        return Adjusted(user, entry.balance)

    async def plan_disable(self, ref: str, disabled: bool, actor_telegram_id: int) -> User:
        """The user a disable (or enable) would change, for its confirmation. DisableRefused for
        the admin's own account or another admin's (enabling is refused to no one)."""
        user = await self.find(ref)
        if disabled and user.telegram_id == actor_telegram_id:
            raise DisableRefused("self")
        if disabled and self.is_admin(user):
            raise DisableRefused("admin")
        return user

    async def set_disabled(self, user_id: int, disabled: bool, actor_telegram_id: int) -> Switched:
        """Disable or enable a user (checked again as `plan_disable` does)."""
        async with self._sessions() as session, session.begin():
            user = await session.get(User, user_id)
            if user is None:
                raise UserNotFound(f"no user {user_id}")
            if disabled and (user.telegram_id == actor_telegram_id or self.is_admin(user)):
                raise DisableRefused("self" if user.telegram_id == actor_telegram_id else "admin")
            changed = await reports.set_disabled_if(session, user.id, disabled)
        user.disabled = disabled
        return Switched(user, changed)

    async def payment(self, payment_id: int) -> tuple[PaymentLine, User | None] | None:
        """A payment and the account it credited (None: no such payment)."""
        async with self._sessions() as session, session.begin():
            line = await reports.payment_line(session, payment_id)
            if line is None:
                return None
            user = None if line.user_id is None else await session.get(User, line.user_id)
        return line, user

    async def stats(self) -> Stats:
        async with self._sessions() as session, session.begin():
            return await queries.stats(session)

    async def range_stats(self, days: int | None) -> RangeStats:
        """The figures of the last `days` days (None: all time)."""
        since: datetime | None = None if days is None else utcnow() - timedelta(days=days)
        async with self._sessions() as session, session.begin():
            return await reports.range_stats(session, since)

    async def dashboard(self, days: int | None, max_days: int = 366) -> Dashboard:
        """The figures of the last `days` calendar days, today included (None: all time), and
        the same days one by one (all time: from the first user's day, at most `max_days`)."""
        today = utcnow().date()
        async with self._sessions() as session, session.begin():
            if days is None:
                since = None
                first = await reports.first_day(session) or today
                first = max(first, today - timedelta(days=max_days - 1))
            else:
                first = today - timedelta(days=max(days, 1) - 1)
                since = datetime(first.year, first.month, first.day)
            stats = await reports.range_stats(session, since)
            series = await reports.daily_series(session, first, today)
        return Dashboard(stats, series)

    async def recipients(self) -> Recipients:
        """Who a broadcast goes to now, by language."""
        async with self._sessions() as session, session.begin():
            return await reports.broadcast_recipients(session)

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
