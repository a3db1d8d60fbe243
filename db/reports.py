"""What the admin console reads: a user's payments, the figures of /stats over a date range, who a
broadcast goes to (with each user's language). Aggregates are one GROUP BY each, on both
backends. Nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.ids import parse_id
from db.ledger import to_money
from db.models import Model, Payment, PaymentStatus, Prediction, PredictionStatus, Transaction, TxKind, User


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One of a user's Stars payments, as their card lists it."""

    id: int
    order_id: int | None
    stars: int
    credits: Decimal
    status: str
    created_at: datetime
    charge_id: str
    user_id: int | None

    @property
    def number(self) -> int:
        """The number the user knows it by (their order's), else the payment's own."""
        return self.order_id or self.id


_PAYMENT_COLUMNS = (
    Payment.id,
    Payment.order_id,
    Payment.stars,
    Payment.credits,
    Payment.status,
    Payment.created_at,
    Payment.telegram_payment_charge_id,
    Payment.user_id,
)


def _line(row: Any) -> PaymentLine:
    i, o, s, c, st, at, charge, uid = row
    return PaymentLine(i, o, int(s), to_money(c or 0.0), st, at, charge, uid)


async def user_payments(session: AsyncSession, user_id: int, limit: int = 5) -> list[PaymentLine]:
    rows = await session.execute(
        select(*_PAYMENT_COLUMNS).where(Payment.user_id == user_id).order_by(Payment.id.desc()).limit(limit)
    )
    return [_line(r) for r in rows.all()]


async def payment_line(session: AsyncSession, payment_id: int) -> PaymentLine | None:
    """A payment by id (from callback data: any integer a client sends)."""
    if parse_id(payment_id) is None:
        return None
    row = (await session.execute(select(*_PAYMENT_COLUMNS).where(Payment.id == payment_id))).first()
    return None if row is None else _line(row)


@dataclass(slots=True)
class ModelFigures:
    name: str
    runs: int = 0
    completed: int = 0
    failed: int = 0
    spent: Decimal = Decimal(0)  # credits charged less credits refunded: what the model earned


@dataclass(frozen=True, slots=True)
class RangeStats:
    since: datetime | None  # None: all time
    users: int
    active_users: int
    new_users: int
    models: list[ModelFigures] = field(default_factory=list)  # most runs first
    spent: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)  # credits given back for failed runs
    credited: Decimal = Decimal(0)  # welcome, admin credits, top-ups, promo codes
    payments: int = 0
    stars_paid: int = 0
    stars_refunded: int = 0

    @property
    def stars_revenue(self) -> int:
        return self.stars_paid - self.stars_refunded


async def range_stats(session: AsyncSession, since: datetime | None) -> RangeStats:
    """The figures from `since` (None: all time). Runs and credits per model are two grouped
    queries (runs by model and status; ledger sums by model and kind), never a query per model."""

    def after(column: Any) -> list[ColumnElement[bool]]:
        return [] if since is None else [column >= since]

    users = int(await session.scalar(select(func.count()).select_from(User)) or 0)
    active = int(
        await session.scalar(select(func.count()).select_from(User).where(User.disabled.is_(False))) or 0
    )
    new_users = int(
        await session.scalar(select(func.count()).select_from(User).where(*after(User.created_at))) or 0
    )
    figures: dict[str, ModelFigures] = {}
    runs = await session.execute(
        select(Model.name, Prediction.status, func.count(Prediction.id))
        .join(Model, Model.id == Prediction.model_id)
        .where(*after(Prediction.created_at))
        .group_by(Model.name, Prediction.status)
    )
    for name, status, n in runs.all():
        f = figures.setdefault(name, ModelFigures(name))
        f.runs += int(n)
        if status == PredictionStatus.COMPLETED:
            f.completed = int(n)
        elif status == PredictionStatus.FAILED:
            f.failed = int(n)
    money = await session.execute(
        select(Model.name, func.sum(Transaction.amount))
        .join(Prediction, Prediction.id == Transaction.prediction_id)
        .join(Model, Model.id == Prediction.model_id)
        .where(Transaction.kind.in_((TxKind.CHARGE, TxKind.REFUND)), *after(Transaction.created_at))
        .group_by(Model.name)
    )
    for name, total in money.all():
        figures.setdefault(name, ModelFigures(name)).spent = -to_money(total or 0.0)
    models = sorted(figures.values(), key=lambda m: (-m.runs, m.name))
    sums = {
        kind: to_money(total or 0.0)
        for kind, total in (
            await session.execute(
                select(Transaction.kind, func.sum(Transaction.amount))
                .where(*after(Transaction.created_at))
                .group_by(Transaction.kind)
            )
        ).all()
    }
    refunded = sums.get(TxKind.REFUND, Decimal(0))
    spent = -sums.get(TxKind.CHARGE, Decimal(0)) - refunded
    credited = sum(
        (sums.get(k, Decimal(0)) for k in (TxKind.WELCOME, TxKind.ADMIN_CREDIT, TxKind.TOPUP, TxKind.PROMO)),
        Decimal(0),
    )
    count, stars = (
        await session.execute(
            select(func.count(Payment.id), func.coalesce(func.sum(Payment.stars), 0)).where(
                *after(Payment.created_at)
            )
        )
    ).one()
    stars_refunded = await session.scalar(
        select(func.coalesce(func.sum(Payment.stars), 0)).where(
            Payment.status == PaymentStatus.REFUNDED, *after(Payment.refunded_at)
        )
    )
    return RangeStats(
        since,
        users,
        active,
        new_users,
        models,
        spent,
        refunded,
        credited,
        int(count or 0),
        int(stars or 0),
        int(stars_refunded or 0),
    )


@dataclass(frozen=True, slots=True)
class DailySeries:
    """The /stats chart's figures, one value per day from `first` to `last` (UTC days), with the
    definitions of `RangeStats`: spent is net of refunds; Stars are paid less refunded."""

    days: list[date]
    predictions: dict[str, list[int]]  # model name -> runs per day
    spent: list[Decimal]
    refunded: list[Decimal]
    stars: list[int]
    new_users: list[int]


def _day(value: Any) -> date:
    """A `date(column)` result: a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def first_day(session: AsyncSession) -> date | None:
    """The day the first user joined (None: no users yet): where "all time" starts."""
    first = await session.scalar(select(func.min(User.created_at)))
    return None if first is None else _day(first)


async def daily_series(session: AsyncSession, first: date, last: date) -> DailySeries:
    """Per-day figures from `first` to `last` inclusive: one GROUP BY date(created_at) query per
    figure (date() is a function on SQLite and PostgreSQL alike), days without rows are zeros."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    start = datetime(first.year, first.month, first.day)
    end = datetime(last.year, last.month, last.day) + timedelta(days=1)

    def within(column: Any) -> list[ColumnElement[bool]]:
        return [column >= start, column < end]

    def zeros() -> list[int]:
        return [0] * len(days)

    predictions: dict[str, list[int]] = {}
    day = func.date(Prediction.created_at)
    for name, d, n in (
        await session.execute(
            select(Model.name, day, func.count(Prediction.id))
            .join(Model, Model.id == Prediction.model_id)
            .where(*within(Prediction.created_at))
            .group_by(Model.name, day)
        )
    ).all():
        if (i := index.get(_day(d))) is not None:
            predictions.setdefault(name, zeros())[i] += int(n)
    charged = [Decimal(0)] * len(days)
    refunded = [Decimal(0)] * len(days)
    day = func.date(Transaction.created_at)
    for kind, d, total in (
        await session.execute(
            select(Transaction.kind, day, func.sum(Transaction.amount))
            .where(Transaction.kind.in_((TxKind.CHARGE, TxKind.REFUND)), *within(Transaction.created_at))
            .group_by(Transaction.kind, day)
        )
    ).all():
        if (i := index.get(_day(d))) is not None:
            if kind == TxKind.CHARGE:
                charged[i] = -to_money(total or 0.0)
            else:
                refunded[i] = to_money(total or 0.0)
    spent = [c - r for c, r in zip(charged, refunded, strict=True)]
    stars = zeros()
    day = func.date(Payment.created_at)
    for d, total in (
        await session.execute(
            select(day, func.coalesce(func.sum(Payment.stars), 0))
            .where(*within(Payment.created_at))
            .group_by(day)
        )
    ).all():
        if (i := index.get(_day(d))) is not None:
            stars[i] += int(total or 0)
    day = func.date(Payment.refunded_at)
    for d, total in (
        await session.execute(
            select(day, func.coalesce(func.sum(Payment.stars), 0))
            .where(Payment.status == PaymentStatus.REFUNDED, *within(Payment.refunded_at))
            .group_by(day)
        )
    ).all():
        if (i := index.get(_day(d))) is not None:
            stars[i] -= int(total or 0)
    new_users = zeros()
    day = func.date(User.created_at)
    for d, n in (
        await session.execute(select(day, func.count(User.id)).where(*within(User.created_at)).group_by(day))
    ).all():
        if (i := index.get(_day(d))) is not None:
            new_users[i] += int(n)
    return DailySeries(days, predictions, spent, refunded, stars, new_users)


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who a broadcast goes to: chat ids per language (None: the user chose none), less those
    Telegram refused to deliver to and those who turned notifications off."""

    chats: dict[str | None, list[int]]
    unreachable: int  # blocked the bot, until they write to it again
    opted_out: int  # notifications off in /settings

    @property
    def count(self) -> int:
        return sum(len(c) for c in self.chats.values())


async def broadcast_recipients(session: AsyncSession) -> Recipients:
    rows = await session.execute(
        select(User.telegram_id, User.language, User.unreachable_at, User.notifications)
        .where(User.disabled.is_(False), User.telegram_id.is_not(None))
        .order_by(User.id)
    )
    chats: dict[str | None, list[int]] = {}
    unreachable = opted_out = 0
    for telegram_id, language, unreachable_at, notifications in rows.all():
        if not notifications:
            opted_out += 1
        elif unreachable_at is not None:
            unreachable += 1
        else:
            chats.setdefault(language, []).append(int(telegram_id or 0))
    return Recipients(chats, unreachable, opted_out)


async def set_disabled_if(session: AsyncSession, user_id: int, disabled: bool) -> bool:
    """Set the flag; True if it changed (a second confirmation of the same change changes nothing)."""
    row = await session.scalar(
        update(User)
        .where(User.id == user_id, User.disabled != disabled)
        .values(disabled=disabled)
        .returning(User.id)
    )
    return row is not None


async def set_model_active_if(session: AsyncSession, name: str, active: bool) -> bool:
    row = await session.scalar(
        update(Model)
        .where(Model.name == name, Model.is_active != active)
        .values(is_active=active)
        .returning(Model.id)
    )
    return row is not None
