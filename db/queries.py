"""Read queries and small updates the bot needs. Nothing here commits."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, String, case, cast, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from db.ids import BIGINT_MAX, parse_id
from db.ledger import to_money, validate_amount
from db.models import Model, Payment, Prediction, PredictionStatus, Transaction, TxKind, User, utcnow

Switch = Literal["notifications", "pictures"]  # a user's on/off settings (columns of users)


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


async def set_switch(session: AsyncSession, user_id: int, switch: Switch, on: bool) -> None:
    """One of a user's /settings switches on or off."""
    await session.execute(update(User).where(User.id == user_id).values({switch: on}))


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


# -- balance and history: a CSV batch is one item ---------------------------------------------
# A batch's rows share `Prediction.batch_key`; Balance and History group by it in SQL (one
# GROUP BY over the user's rows, then the page's items read by id), so a 1,000-row batch is one
# line, not 100 pages.


@dataclass(frozen=True)
class BatchSummary:
    """One CSV batch of a user: its rows and what they cost."""

    first_id: int  # its first prediction: how a button names it (a batch key is too long)
    model_name: str
    rows: int
    completed: int
    failed: int
    created_at: datetime
    charged: Decimal  # the charges, before refunds
    refunded: Decimal

    @property
    def pending(self) -> int:
        return self.rows - self.completed - self.failed

    @property
    def net(self) -> Decimal:
        """What the batch took from the balance in the end (negative, or 0)."""
        return self.refunded - self.charged


@dataclass(frozen=True)
class LedgerLine:
    """One line of the user's ledger: a transaction with what its text is made from (its kind,
    links and params, never its English description), or a whole CSV batch (`batch`)."""

    amount: Decimal
    created_at: datetime
    kind: str
    params: dict[str, Any] | None = None
    prediction_id: int | None = None
    model_name: str | None = None
    order_id: int | None = None
    stars: int | None = None
    batch: BatchSummary | None = None


@dataclass(frozen=True)
class HistoryItem:
    """One item of the user's history: a prediction (with its model's name), or a CSV batch."""

    prediction: Prediction | None = None
    model_name: str = ""
    batch: BatchSummary | None = None


async def batch_summaries(
    session: AsyncSession, user_id: int, keys: Sequence[str]
) -> dict[str, BatchSummary]:
    """The user's batches with these keys, by key."""
    if not keys:
        return {}
    done = case((Prediction.status == PredictionStatus.COMPLETED, 1), else_=0)
    failed = case((Prediction.status == PredictionStatus.FAILED, 1), else_=0)
    rows = (
        await session.execute(
            select(
                Prediction.batch_key,
                func.min(Prediction.id),
                func.count(),
                func.sum(done),
                func.sum(failed),
                func.min(Prediction.model_id),
                func.min(Prediction.created_at),
            )
            .where(Prediction.user_id == user_id, Prediction.batch_key.in_(keys))
            .group_by(Prediction.batch_key)
        )
    ).all()
    money = (
        await session.execute(
            select(Prediction.batch_key, Transaction.kind, func.sum(Transaction.amount))
            .join(Prediction, Prediction.id == Transaction.prediction_id)
            .where(Transaction.user_id == user_id, Prediction.batch_key.in_(keys))
            .group_by(Prediction.batch_key, Transaction.kind)
        )
    ).all()
    sums: dict[tuple[str | None, str], Decimal] = {(k, kind): to_money(a or 0.0) for k, kind, a in money}
    names = dict(
        (await session.execute(select(Model.id, Model.name).where(Model.id.in_({r[5] for r in rows})))).all()
    )
    return {
        key: BatchSummary(
            first_id=first,
            model_name=names.get(model_id, "?"),
            rows=int(count),
            completed=int(completed or 0),
            failed=int(nfailed or 0),
            created_at=created,
            charged=-sums.get((key, TxKind.CHARGE), Decimal(0)),
            refunded=sums.get((key, TxKind.REFUND), Decimal(0)),
        )
        for key, first, count, completed, nfailed, model_id, created in rows
        if key is not None
    }


async def user_ledger(
    session: AsyncSession, user_id: int, page: int, per_page: int = 10
) -> tuple[list[LedgerLine], int]:
    """A page of the user's ledger, newest first; a CSV batch's charges and refunds are one line
    (placed where it was charged)."""
    key = func.coalesce(Prediction.batch_key, cast(Transaction.id, String))
    first = func.min(Transaction.id)
    stmt = (
        select(first, func.max(Prediction.batch_key))
        .select_from(Transaction)
        .outerjoin(Prediction, Prediction.id == Transaction.prediction_id)
        .where(Transaction.user_id == user_id)
        .group_by(key)
        .order_by(first.desc())
    )
    found, pages = await _page(session, stmt, page, per_page)
    singles = [tx_id for tx_id, batch_key in found if batch_key is None]
    batches = await batch_summaries(session, user_id, [k for _, k in found if k is not None])
    rows: Sequence[Any] = (
        (
            await session.execute(
                select(Transaction, Model.name, Payment.order_id, Payment.stars)
                .outerjoin(Prediction, Prediction.id == Transaction.prediction_id)
                .outerjoin(Model, Model.id == Prediction.model_id)
                .outerjoin(Payment, Payment.id == Transaction.payment_id)
                .where(Transaction.id.in_(singles))
            )
        ).all()
        if singles
        else []
    )
    lines = {
        tx.id: LedgerLine(
            amount=to_money(tx.amount),
            created_at=tx.created_at,
            kind=tx.kind,
            params=tx.params if isinstance(tx.params, dict) else None,
            prediction_id=tx.prediction_id,
            model_name=model_name,
            order_id=order_id,
            stars=stars,
        )
        for tx, model_name, order_id, stars in rows
    }
    out: list[LedgerLine] = []
    for tx_id, batch_key in found:
        if batch_key is None:
            out.append(lines[tx_id])
        elif batch_key in batches:
            b = batches[batch_key]
            out.append(LedgerLine(amount=b.net, created_at=b.created_at, kind=TxKind.CHARGE, batch=b))
    return out, pages


async def user_history(
    session: AsyncSession, user_id: int, page: int, per_page: int = 5
) -> tuple[list[HistoryItem], int]:
    """A page of the user's predictions, newest first; a CSV batch is one item."""
    key = func.coalesce(Prediction.batch_key, cast(Prediction.id, String))
    first = func.min(Prediction.id)
    stmt = (
        select(first, func.max(Prediction.batch_key))
        .where(Prediction.user_id == user_id)
        .group_by(key)
        .order_by(first.desc())
    )
    found, pages = await _page(session, stmt, page, per_page)
    singles = [pid for pid, batch_key in found if batch_key is None]
    batches = await batch_summaries(session, user_id, [k for _, k in found if k is not None])
    rows: Sequence[Any] = (
        (
            await session.execute(
                select(Prediction, Model.name)
                .join(Model, Model.id == Prediction.model_id)
                .where(Prediction.id.in_(singles))
            )
        ).all()
        if singles
        else []
    )
    predictions = {p.id: (p, name) for p, name in rows}
    out: list[HistoryItem] = []
    for pid, batch_key in found:
        if batch_key is None:
            p, name = predictions[pid]
            out.append(HistoryItem(prediction=p, model_name=name))
        elif batch_key in batches:
            out.append(HistoryItem(batch=batches[batch_key]))
    return out, pages


async def batch_rows(
    session: AsyncSession, user_id: int, first_id: int, page: int, per_page: int = 10
) -> tuple[BatchSummary, list[Prediction], int] | None:
    """A page of the rows of the user's batch whose first prediction is `first_id` (from callback
    data: any integer a client sends), in row order; None if there is no such batch."""
    if parse_id(first_id) is None:
        return None
    batch_key = await session.scalar(
        select(Prediction.batch_key).where(Prediction.id == first_id, Prediction.user_id == user_id)
    )
    if batch_key is None:
        return None
    summary = (await batch_summaries(session, user_id, [batch_key]))[batch_key]
    stmt = (
        select(Prediction)
        .where(Prediction.user_id == user_id, Prediction.batch_key == batch_key)
        .order_by(Prediction.id)
    )
    rows, pages = await _page(session, stmt, page, per_page)
    return summary, [r[0] for r in rows], pages


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
