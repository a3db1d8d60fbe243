"""Promo codes: the queries behind creating, listing, switching off and redeeming them.

A redemption is three writes in the caller's transaction (nothing here commits): a guarded
UPDATE that takes one use (`take_use`: never past `max_uses`, never of an expired or inactive
code), the ledger credit, and the PromoRedemption row (unique per code and user)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PromoCode, PromoRedemption


async def promo_by_code(session: AsyncSession, code: str) -> PromoCode | None:
    return await session.scalar(select(PromoCode).where(PromoCode.code == code))


async def insert_promo(
    session: AsyncSession,
    *,
    code: str,
    credits: Decimal,
    max_uses: int | None,
    expires_at: datetime | None,
    created_by: str | None,
) -> PromoCode:
    promo = PromoCode(
        code=code,
        credits=float(credits),
        max_uses=max_uses,
        uses=0,
        expires_at=expires_at,
        active=True,
        created_by=created_by,
    )
    session.add(promo)
    await session.flush()
    return promo


async def list_promos(session: AsyncSession, limit: int) -> Sequence[PromoCode]:
    """The newest codes first."""
    return (await session.scalars(select(PromoCode).order_by(PromoCode.id.desc()).limit(limit))).all()


async def count_promos(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(PromoCode)) or 0)


async def deactivate(session: AsyncSession, code: str) -> bool:
    """Switch a code off; False if there is no such code."""
    result = await session.execute(
        update(PromoCode).where(PromoCode.code == code).values(active=False).returning(PromoCode.id)
    )
    return result.first() is not None


async def redeemed(session: AsyncSession, promo_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(PromoRedemption.id).where(
            PromoRedemption.promo_id == promo_id, PromoRedemption.user_id == user_id
        )
    )
    return found is not None


async def take_use(session: AsyncSession, promo_id: int, now: datetime) -> bool:
    """One use of the code, if it still has one: active, not expired, under its limit. The
    guard is in the UPDATE itself, so concurrent redemptions never take more uses than there are
    (PostgreSQL re-checks it on the row a concurrent one has just committed)."""
    result = await session.execute(
        update(PromoCode)
        .where(
            PromoCode.id == promo_id,
            PromoCode.active.is_(True),
            or_(PromoCode.max_uses.is_(None), PromoCode.uses < PromoCode.max_uses),
            or_(PromoCode.expires_at.is_(None), PromoCode.expires_at > now),
        )
        .values(uses=PromoCode.uses + 1)
        .returning(PromoCode.id)
    )
    return result.first() is not None


async def insert_redemption(session: AsyncSession, promo_id: int, user_id: int, transaction_id: int) -> None:
    session.add(PromoRedemption(promo_id=promo_id, user_id=user_id, transaction_id=transaction_id))
    await session.flush()
