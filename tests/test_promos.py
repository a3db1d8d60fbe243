"""Promo codes in the data layer and service, on SQLite and PostgreSQL: once per user, never
past the limit even when redeemed concurrently, expired and switched-off codes refused, the
ledger reconciled."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import PromoCode, PromoRedemption, TxKind, utcnow
from services.promos import PromoError, Promos, normalize_code
from tests.helpers import assert_reconciled, balance_of, make_user, transactions_of

Sessions = async_sessionmaker[AsyncSession]


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def redemptions(sessions: Sessions, code: str) -> tuple[int, int]:
    """(uses on the code, redemption rows)"""
    async with sessions() as s:
        promo = await s.scalar(select(PromoCode).where(PromoCode.code == code))
        assert promo is not None
        rows = await s.scalar(
            select(func.count()).select_from(PromoRedemption).where(PromoRedemption.promo_id == promo.id)
        )
        return promo.uses, int(rows or 0)


def test_codes_are_normalized_and_checked() -> None:
    assert normalize_code(" spring-25 ") == "SPRING-25"
    for bad in ("", "ab", "x" * 33, "SPR ING", "ВЕСНА", "a<b", "²²²"):
        with pytest.raises(PromoError) as exc:
            normalize_code(bad)
        assert exc.value.code == "bad_code"


async def test_a_code_credits_each_user_once(session_factory: Sessions) -> None:
    promos = Promos(session_factory)
    await promos.create("welcome5", "5", created_by="admin")
    uid = await make_user(session_factory, 1, name="a")
    done = await promos.redeem(uid, "Welcome5")
    assert (done.code, done.credits, done.balance) == ("WELCOME5", Decimal("5"), Decimal("6"))
    with pytest.raises(PromoError) as exc:
        await promos.redeem(uid, "WELCOME5")
    assert exc.value.code == "already"
    assert await balance_of(session_factory, uid) == Decimal("6")
    tx = (await transactions_of(session_factory, uid))[-1]
    assert tx.kind == TxKind.PROMO and tx.amount == 5 and tx.params == {"code": "WELCOME5"}
    assert tx.idempotency_key is not None and tx.idempotency_key.startswith("promo:")
    assert await redemptions(session_factory, "WELCOME5") == (1, 1)
    await assert_reconciled(session_factory)


async def test_refusals_say_why(session_factory: Sessions) -> None:
    clock = Clock()
    promos = Promos(session_factory, clock=clock)
    uid = await make_user(session_factory, name="a")
    other = await make_user(session_factory, name="b")
    await promos.create("ONCE", "1.5", "1")
    await promos.create("WEEK", "2", None, "7")
    await promos.create("GONE", "3")
    await promos.switch_off("gone")
    cases = [("NOPE", "unknown"), ("no pe", "bad_code"), ("GONE", "inactive")]
    await promos.redeem(other, "ONCE")
    cases.append(("ONCE", "used_up"))
    for code, why in cases:
        with pytest.raises(PromoError) as exc:
            await promos.redeem(uid, code)
        assert exc.value.code == why, code
    clock.now += timedelta(days=7, seconds=1)
    with pytest.raises(PromoError) as exc:
        await promos.redeem(uid, "WEEK")
    assert exc.value.code == "expired"
    assert await balance_of(session_factory, uid) == Decimal("0")
    listed = {p.code: p for p in (await promos.listing()).items}
    assert {c: p.status for c, p in listed.items()} == {
        "ONCE": "used_up",
        "WEEK": "expired",
        "GONE": "off",
    }
    assert listed["ONCE"].credits == Decimal("1.5") and listed["ONCE"].uses == 1
    await assert_reconciled(session_factory)


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("X", "5"), "bad_code"),
        (("OK1", "0"), "bad_credits"),
        (("OK1", "1.001"), "bad_credits"),
        (("OK1", "1e309"), "bad_credits"),
        (("OK1", "abc"), "bad_credits"),
        (("OK1", "5", "0"), "bad_uses"),
        (("OK1", "5", "²"), "bad_uses"),
        (("OK1", "5", "9" * 20), "bad_uses"),
        (("OK1", "5", "10", "0"), "bad_days"),
        (("OK1", "5", "10", "-1"), "bad_days"),
    ],
)
async def test_bad_codes_are_not_created(session_factory: Sessions, args: tuple[str, ...], why: str) -> None:
    with pytest.raises(PromoError) as exc:
        await Promos(session_factory).create(*args)
    assert exc.value.code == why
    async with session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(PromoCode)) == 0


async def test_a_code_is_created_once(session_factory: Sessions) -> None:
    promos = Promos(session_factory)
    await promos.create("DUP", "1")
    with pytest.raises(PromoError) as exc:
        await promos.create("dup", "2")
    assert exc.value.code == "exists"
    with pytest.raises(PromoError) as exc:
        await promos.switch_off("MISSING")
    assert exc.value.code == "unknown"


async def test_concurrent_redemptions_never_pass_the_limit(session_factory: Sessions) -> None:
    """Twenty users at once for five uses: five are credited, the others told it is used up."""
    promos = Promos(session_factory)
    await promos.create("RUSH", "2", "5")
    users = [await make_user(session_factory, name=f"u{i}") for i in range(20)]
    results = await asyncio.gather(*(promos.redeem(u, "RUSH") for u in users), return_exceptions=True)
    credited = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(credited) == 5
    assert all(isinstance(r, PromoError) and r.code == "used_up" for r in refused), refused
    assert await redemptions(session_factory, "RUSH") == (5, 5)
    balances = [await balance_of(session_factory, u) for u in users]
    assert sorted(balances) == [Decimal(0)] * 15 + [Decimal(2)] * 5
    await assert_reconciled(session_factory)


async def test_one_user_redeeming_at_once_is_credited_once(session_factory: Sessions) -> None:
    """A double tap, two devices: the same user's redemptions race; one credit."""
    promos = Promos(session_factory)
    await promos.create("TWICE", "3")
    uid = await make_user(session_factory, name="a")
    results = await asyncio.gather(*(promos.redeem(uid, "TWICE") for _ in range(8)), return_exceptions=True)
    ok = [r for r in results if not isinstance(r, BaseException)]
    assert len(ok) == 1
    assert all(isinstance(r, PromoError) and r.code == "already" for r in results if r not in ok)
    assert await balance_of(session_factory, uid) == Decimal("3")
    assert await redemptions(session_factory, "TWICE") == (1, 1)
    await assert_reconciled(session_factory)


async def test_a_credit_over_the_balance_limit_takes_no_use(session_factory: Sessions) -> None:
    promos = Promos(session_factory)
    await promos.create("BIG", "1000000", "1")
    uid = await make_user(session_factory, name="rich")
    from db.ledger import increase_balance

    async with session_factory() as s, s.begin():
        for _ in range(1000):
            await increase_balance(s, uid, 1_000_000, "top")
    with pytest.raises(PromoError) as exc:
        await promos.redeem(uid, "BIG")
    assert exc.value.code == "balance_limit"
    assert await redemptions(session_factory, "BIG") == (0, 0)
    await assert_reconciled(session_factory)
