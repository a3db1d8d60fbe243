"""Read queries and small updates the bot needs. Nothing here commits."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, String, cast, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from db.ids import BIGINT_MAX, parse_id
from db.ledger import to_money, validate_amount
from db.models import Model, Prediction, PredictionStatus, Transaction, TxKind, User, utcnow


def pages_of(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


async def _page(session: AsyncSession, stmt: Select, page: int, per_page: int) -> tuple[list, int]:  # type: ignore[type-arg]
    total = int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    pages = pages_of(total, per_page)
    page = max(0, min(page, pages - 1))
    rows = list((await session.execute(stmt.limit(per_page).offset(page * per_page))).all())
    return rows, pages


# -- users -----------------------------------------------------------------------------------


async def _by_telegram_id(session: AsyncSession, raw: str) -> User | None:
    telegram_id = parse_id(raw, BIGINT_MAX)
    if telegram_id is None:
        return None
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def find_user(session: AsyncSession, ref: str) -> User | None:
    """A user by '#id' / id, '@username' / username, or Telegram id ('tg:123' or a long number).
    An id out of range (see db/ids.py) finds no one."""
    ref = ref.strip()
    if ref.startswith("#") and ref[1:].isdigit():
        user_id = parse_id(ref[1:])
        return None if user_id is None else await session.get(User, user_id)
    if ref.lower().startswith("tg:") and ref[3:].isdigit():
        return await _by_telegram_id(session, ref[3:])
    if ref.isdigit():
        user_id = parse_id(ref)
        by_id = None if user_id is None else await session.get(User, user_id)
        return by_id or await _by_telegram_id(session, ref)
    name = ref.lstrip("@").lower()
    return await session.scalar(
        select(User).where(or_(func.lower(User.username) == name, User.email == name))
    )


async def list_users(
    session: AsyncSession, query: str, page: int, per_page: int = 10
) -> tuple[list[User], int]:
    stmt = select(User).order_by(User.id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.username).like(like),
                User.email.like(like),
                cast(User.telegram_id, String).like(like),
            )
        )
    rows, pages = await _page(session, stmt, page, per_page)
    return [r[0] for r in rows], pages


async def set_language(session: AsyncSession, user_id: int, lang: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=lang))


async def set_notifications(session: AsyncSession, user_id: int, on: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(notifications=on))


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: active users' chats, less those Telegram refused to deliver to."""

    chat_ids: list[int]
    skipped: int  # unreachable (blocked the bot) until they write to it again


async def broadcast_audience(session: AsyncSession) -> Audience:
    rows = await session.execute(
        select(User.telegram_id, User.unreachable_at)
        .where(User.disabled.is_(False), User.telegram_id.is_not(None))
        .order_by(User.id)
    )
    chat_ids: list[int] = []
    skipped = 0
    for telegram_id, unreachable_at in rows:
        if unreachable_at is not None:
            skipped += 1
        elif telegram_id is not None:
            chat_ids.append(telegram_id)
    return Audience(chat_ids, skipped)


async def mark_unreachable(session: AsyncSession, telegram_ids: Sequence[int]) -> None:
    """Telegram refused to deliver to these chats (403: blocked the bot, or deleted)."""
    now = utcnow()
    for start in range(0, len(telegram_ids), 500):
        await session.execute(
            update(User)
            .where(User.telegram_id.in_(telegram_ids[start : start + 500]))
            .values(unreachable_at=now)
        )


async def mark_reachable(session: AsyncSession, user_id: int) -> None:
    """The user wrote to the bot: they can be sent messages again."""
    await session.execute(
        update(User).where(User.id == user_id, User.unreachable_at.is_not(None)).values(unreachable_at=None)
    )


# -- models ----------------------------------------------------------------------------------


async def list_models(session: AsyncSession, only_active: bool = True) -> list[Model]:
    stmt = select(Model).order_by(Model.cost, Model.name)
    if only_active:
        stmt = stmt.where(Model.is_active.is_(True))
    return list((await session.scalars(stmt)).all())


async def get_model(session: AsyncSession, name: str) -> Model | None:
    return await session.scalar(select(Model).where(Model.name == name))


async def set_model_active(session: AsyncSession, name: str, active: bool) -> bool:
    res = await session.execute(update(Model).where(Model.name == name).values(is_active=active))
    return bool(typing.cast(CursorResult[typing.Any], res).rowcount)


async def set_model_cost(session: AsyncSession, name: str, cost: Decimal | str | float) -> Decimal:
    value = Decimal(0) if str(cost).strip() in {"0", "0.0", "0.00"} else validate_amount(cost)
    res = await session.execute(update(Model).where(Model.name == name).values(cost=float(value)))
    if not typing.cast(CursorResult[typing.Any], res).rowcount:
        raise LookupError(name)
    return value


# -- predictions and transactions -------------------------------------------------------------


async def user_predictions(
    session: AsyncSession, user_id: int, page: int, per_page: int = 5
) -> tuple[list[tuple[Prediction, str]], int]:
    stmt = (
        select(Prediction, Model.name)
        .join(Model, Model.id == Prediction.model_id)
        .where(Prediction.user_id == user_id)
        .order_by(Prediction.id.desc())
    )
    rows, pages = await _page(session, stmt, page, per_page)
    return [(r[0], r[1]) for r in rows], pages


async def user_prediction(
    session: AsyncSession, user_id: int, prediction_id: int
) -> tuple[Prediction, str] | None:
    """The user's prediction with this id (from callback data: any integer a client sends)."""
    if parse_id(prediction_id) is None:
        return None
    row = (
        await session.execute(
            select(Prediction, Model.name)
            .join(Model, Model.id == Prediction.model_id)
            .where(Prediction.id == prediction_id, Prediction.user_id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def prediction_charges(session: AsyncSession, prediction_id: int) -> list[float]:
    """The amounts of the ledger entries of a prediction (its charge, and a refund if any)."""
    stmt = select(Transaction.amount).where(Transaction.prediction_id == prediction_id)
    return list((await session.scalars(stmt)).all())


async def user_transactions(
    session: AsyncSession, user_id: int, page: int, per_page: int = 10
) -> tuple[list[Transaction], int]:
    stmt = select(Transaction).where(Transaction.user_id == user_id).order_by(Transaction.id.desc())
    rows, pages = await _page(session, stmt, page, per_page)
    return [r[0] for r in rows], pages


@dataclass(frozen=True)
class Stats:
    users: int
    active_users: int
    by_status: dict[str, int]
    by_model: dict[str, int]
    spent: Decimal
    refunded: Decimal
    credited: Decimal


async def stats(session: AsyncSession) -> Stats:
    users = int(await session.scalar(select(func.count()).select_from(User)) or 0)
    active = int(
        await session.scalar(select(func.count()).select_from(User).where(User.disabled.is_(False))) or 0
    )
    by_status = {
        s: int(n)
        for s, n in (
            await session.execute(select(Prediction.status, func.count()).group_by(Prediction.status))
        ).all()
    }
    for s in (PredictionStatus.PENDING, PredictionStatus.COMPLETED, PredictionStatus.FAILED):
        by_status.setdefault(s, 0)
    by_model = {
        m: int(n)
        for m, n in (
            await session.execute(
                select(Model.name, func.count(Prediction.id))
                .join(Prediction, Prediction.model_id == Model.id)
                .group_by(Model.name)
                .order_by(func.count(Prediction.id).desc())
            )
        ).all()
    }
    sums = {
        k: a
        for k, a in (
            await session.execute(
                select(Transaction.kind, func.sum(Transaction.amount)).group_by(Transaction.kind)
            )
        ).all()
    }
    charged = -to_money(sums.get(TxKind.CHARGE) or 0.0)
    refunded = to_money(sums.get(TxKind.REFUND) or 0.0)
    credited = sum(
        (
            to_money(v or 0.0)
            for k, v in sums.items()
            if k in (TxKind.WELCOME, TxKind.ADMIN_CREDIT, TxKind.TOPUP)
        ),
        Decimal(0),
    )
    return Stats(users, active, by_status, by_model, charged - refunded, refunded, credited)
