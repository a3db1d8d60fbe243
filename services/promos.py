"""Promo codes: an admin creates one (credits, an optional limit of uses and lifetime), users
redeem it once each, by /promo CODE or the deep link t.me/<bot>?start=promo_CODE.

A redemption is one transaction: the code's use taken by a guarded UPDATE (never past its limit,
even when many redeem at once), the credit through the ledger (kind "promo", the code in its
params, an idempotency key per code and user) and the redemption row (unique per code and
user). Whatever fails, nothing of it stays: a user is credited once, or not at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import promos
from db.errors import BalanceLimitExceeded, DomainError, InvalidAmount
from db.ledger import increase_balance, to_money, validate_amount
from db.models import PromoCode, TxKind, utcnow

SessionFactory = async_sessionmaker[AsyncSession]
CODE = re.compile(r"[A-Z0-9_-]{3,32}")  # fits a deep link's payload ("promo_" + code ≤ 64)
DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
MAX_USES = 1_000_000
MAX_DAYS = 3650
LIST_LIMIT = 20  # codes /promos shows, newest first

__all__ = ["PromoError", "PromoInfo", "Promos", "Redeemed", "normalize_code"]


class PromoError(DomainError):
    """Why a code was refused or not created; `code` names the text the bot shows:
    bad_code, unknown, inactive, expired, used_up, already, balance_limit (redeeming);
    exists, bad_credits, bad_uses, bad_days (creating)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"promo: {code}")
        self.code = code


def normalize_code(raw: str) -> str:
    """A code as stored: upper case, 3 to 32 of A-Z 0-9 _ -; PromoError "bad_code" otherwise."""
    code = raw.strip().upper()
    if not CODE.fullmatch(code):
        raise PromoError("bad_code")
    return code


@dataclass(frozen=True, slots=True)
class Redeemed:
    code: str
    credits: Decimal
    balance: Decimal  # after the credit


@dataclass(frozen=True, slots=True)
class PromoInfo:
    code: str
    credits: Decimal
    uses: int
    max_uses: int | None
    expires_at: datetime | None
    status: str  # active, off, expired, used_up

    @classmethod
    def of(cls, promo: PromoCode, now: datetime) -> PromoInfo:
        if not promo.active:
            status = "off"
        elif promo.expires_at is not None and promo.expires_at <= now:
            status = "expired"
        elif promo.max_uses is not None and promo.uses >= promo.max_uses:
            status = "used_up"
        else:
            status = "active"
        return cls(promo.code, to_money(promo.credits), promo.uses, promo.max_uses, promo.expires_at, status)


@dataclass(frozen=True, slots=True)
class PromoList:
    items: list[PromoInfo]  # the newest LIST_LIMIT
    total: int


def _positive_int(raw: str | None, limit: int, error: str) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    # str.isdigit() takes "²" and "٣": only ASCII digits are numbers here
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not 1 <= int(text) <= limit:
        raise PromoError(error)
    return int(text)


class Promos:
    def __init__(self, sessions: SessionFactory, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(
        self,
        code: str,
        credits: str,
        max_uses: str | None = None,
        days: str | None = None,
        created_by: str | None = None,
    ) -> PromoInfo:
        """A new active code (PromoError "exists" if the code is taken, or what is wrong)."""
        normalized = normalize_code(code)
        if DECIMAL_COMMA.fullmatch(credits.strip()):  # «2,5» as a Russian admin types it
            credits = credits.strip().replace(",", ".")
        try:
            amount = validate_amount(credits)
        except InvalidAmount:
            raise PromoError("bad_credits") from None
        uses = _positive_int(max_uses, MAX_USES, "bad_uses")
        lifetime = _positive_int(days, MAX_DAYS, "bad_days")
        now = self._clock()
        expires = now + timedelta(days=lifetime) if lifetime else None
        try:
            async with self._sessions() as session, session.begin():
                if await promos.promo_by_code(session, normalized) is not None:
                    raise PromoError("exists")
                promo = await promos.insert_promo(
                    session,
                    code=normalized,
                    credits=amount,
                    max_uses=uses,
                    expires_at=expires,
                    created_by=created_by,
                )
                return PromoInfo.of(promo, now)
        except IntegrityError:  # created at the same moment by another admin
            raise PromoError("exists") from None

    async def listing(self) -> PromoList:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            found = await promos.list_promos(session, LIST_LIMIT)
            total = await promos.count_promos(session)
            return PromoList([PromoInfo.of(p, now) for p in found], total)

    async def switch_off(self, code: str) -> str:
        """Switch a code off (redemptions stop; those made stay); PromoError "unknown"."""
        normalized = normalize_code(code)
        async with self._sessions() as session, session.begin():
            if not await promos.deactivate(session, normalized):
                raise PromoError("unknown")
        return normalized

    async def redeem(self, user_id: int, raw_code: str) -> Redeemed:
        """Credit the user the code's credits, once per user (PromoError says why not)."""
        code = normalize_code(raw_code)
        now = self._clock()
        try:
            async with self._sessions() as session, session.begin():
                promo = await promos.promo_by_code(session, code)
                if promo is None:
                    raise PromoError("unknown")
                if await promos.redeemed(session, promo.id, user_id):
                    raise PromoError("already")
                status = PromoInfo.of(promo, now).status
                if status != "active":
                    raise PromoError("inactive" if status == "off" else status)
                credits = to_money(promo.credits)
                if not await promos.take_use(session, promo.id, now):
                    raise PromoError("used_up")  # the last use went to someone else meanwhile
                entry = await increase_balance(
                    session,
                    user_id,
                    credits,
                    f"Promo code {code}",
                    kind=TxKind.PROMO,
                    idempotency_key=f"promo:{promo.id}:{user_id}",
                    params={"code": code},
                )
                await promos.insert_redemption(session, promo.id, user_id, entry.transaction_id)
                return Redeemed(code, credits, entry.balance)
        except BalanceLimitExceeded:
            raise PromoError("balance_limit") from None
        except IntegrityError:
            # the same user redeeming it at the same moment (another device, a double tap): the
            # idempotency key or the redemption's unique index refused the second; all rolled back
            raise PromoError("already") from None
