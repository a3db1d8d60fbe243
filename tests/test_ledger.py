"""The ledger: guarded, atomic balance changes that reconcile to the cent."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_session_factory
from db.errors import BalanceLimitExceeded, InsufficientFunds, InvalidAmount, UserNotFound
from db.ledger import (
    MAX_BALANCE,
    Debit,
    LedgerEntry,
    deduct_balance,
    deduct_balances,
    increase_balance,
    reconcile,
    validate_amount,
)
from db.migrate import upgrade
from db.models import Transaction, TxKind, User
from tests.helpers import assert_reconciled, balance_of, make_user, transactions_of


async def test_increase_and_deduct_record_transactions(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    uid = await make_user(session_factory)
    async with session_factory() as s, s.begin():
        entry = await increase_balance(s, uid, "12.30", "top up", kind=TxKind.TOPUP)
        assert entry.balance == Decimal("12.30")
        entry = await deduct_balance(s, uid, 0.1, "a")
        entry = await deduct_balance(s, uid, 0.2, "b")
        assert entry.balance == Decimal("12.00")
    assert await balance_of(session_factory, uid) == Decimal("12")
    txs = await transactions_of(session_factory, uid)
    assert [(t.amount, t.description, t.kind) for t in txs] == [
        (12.3, "top up", "topup"),
        (-0.1, "a", "other"),
        (-0.2, "b", "other"),
    ]
    await assert_reconciled(session_factory)


async def test_overdraft_is_refused_and_changes_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    uid = await make_user(session_factory, balance=5)
    async with session_factory() as s, s.begin():
        with pytest.raises(InsufficientFunds) as err:
            await deduct_balance(s, uid, "5.01", "too much")
        assert err.value.balance == Decimal("5.00")
        assert err.value.amount == Decimal("5.01")
        entry = await deduct_balance(s, uid, 5, "exactly all")
        assert entry.balance == 0
    assert await balance_of(session_factory, uid) == 0
    assert len(await transactions_of(session_factory, uid)) == 2
    await assert_reconciled(session_factory)


async def test_unknown_user(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as s, s.begin():
        with pytest.raises(UserNotFound):
            await deduct_balance(s, 999, 1, "x")
        with pytest.raises(UserNotFound):
            await increase_balance(s, 999, 1, "x")


async def test_balance_limit(session_factory: async_sessionmaker[AsyncSession]) -> None:
    uid = await make_user(session_factory)
    async with session_factory() as s, s.begin():
        for _ in range(int(MAX_BALANCE / 1_000_000)):
            await increase_balance(s, uid, 1_000_000, "x")
        with pytest.raises(BalanceLimitExceeded):
            await increase_balance(s, uid, "0.01", "over the top")
    assert await balance_of(session_factory, uid) == MAX_BALANCE


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (0, "must be positive"),
        (-1, "must be positive"),
        ("-0.01", "must be positive"),
        (float("nan"), "not finite"),
        (float("inf"), "not finite"),
        ("Infinity", "not finite"),
        (0.001, "at most two decimals"),
        ("1.005", "at most two decimals"),
        ("abc", "not a number"),
        (True, "not a number"),
        ("", "not a number"),
        (1_000_000.01, "at most 1000000"),
        ("1e9", "at most 1000000"),
        # beyond the 28 digits a Decimal context holds: quantizing first raised InvalidOperation
        ("1e309", "at most 1000000"),
        ("9" * 40, "at most 1000000"),
        ("1e400", "at most 1000000"),
        (1e30, "at most 1000000"),
        (10**4000, "at most 1000000"),
        ("1e-999999999", "at most two decimals"),
        ("-1e400", "must be positive"),
    ],
)
def test_bad_amounts_are_clear_errors(amount: object, reason: str) -> None:
    with pytest.raises(InvalidAmount) as err:
        validate_amount(amount)  # type: ignore[arg-type]
    assert err.value.reason == reason
    assert reason in str(err.value)


async def test_bad_amount_writes_nothing(session_factory: async_sessionmaker[AsyncSession]) -> None:
    uid = await make_user(session_factory, balance=10)
    async with session_factory() as s, s.begin():
        with pytest.raises(InvalidAmount):
            await deduct_balance(s, uid, float("nan"), "x")
        with pytest.raises(InvalidAmount):
            await increase_balance(s, uid, -5, "x")
    assert await balance_of(session_factory, uid) == 10
    assert len(await transactions_of(session_factory, uid)) == 1


async def test_rolled_back_caller_leaves_no_trace(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Nothing in the ledger commits: the caller's rollback undoes balance and row together."""
    uid = await make_user(session_factory, balance=10)
    async with session_factory() as s:
        async with s.begin():
            await deduct_balance(s, uid, 3, "x")
            await s.rollback()
    assert await balance_of(session_factory, uid) == 10
    assert len(await transactions_of(session_factory, uid)) == 1


async def test_200_concurrent_deductions_on_a_balance_for_50(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    uid = await make_user(session_factory, balance=50)
    observed_negative = False

    async def one() -> bool:
        nonlocal observed_negative
        async with session_factory() as s, s.begin():
            try:
                entry = await deduct_balance(s, uid, 1, "concurrent")
            except InsufficientFunds:
                return False
            observed_negative |= entry.balance < 0
            return True

    results = await asyncio.gather(*(one() for _ in range(200)))
    assert sum(results) == 50
    assert not observed_negative
    assert await balance_of(session_factory, uid) == 0
    txs = await transactions_of(session_factory, uid)
    assert sum(1 for t in txs if t.description == "concurrent") == 50
    await assert_reconciled(session_factory)


async def test_reconcile_reports_a_tampered_balance(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    uid = await make_user(session_factory, balance=10)
    await assert_reconciled(session_factory)
    async with session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == uid).values(balance=10.5))
    async with session_factory() as s:
        [bad] = await reconcile(s)
    assert (bad.user_id, bad.balance, bad.ledger_sum) == (uid, Decimal("10.5"), Decimal("10"))


# -- property: random credits and debits reconcile exactly --------------------------------

AMOUNTS = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2),
    st.sampled_from(
        [
            Decimal("0.1"),
            Decimal("0.2"),
            Decimal("0.3"),
            Decimal("0.07"),
            Decimal("999999.99"),
            Decimal("0.01"),
        ]
    ),
)
OPS = st.lists(st.tuples(st.sampled_from(["credit", "debit"]), AMOUNTS), min_size=1, max_size=40)


async def _apply(url: str, ops: list[tuple[str, Decimal]], name: str) -> None:
    engine = create_engine(url)
    sf = create_session_factory(engine)
    try:
        uid = await make_user(sf, name=name)
        expected = Decimal(0)
        for op, amount in ops:
            async with sf() as s, s.begin():
                if op == "credit":
                    entry = await increase_balance(s, uid, amount, "credit")
                    expected += amount
                elif amount <= expected:
                    entry = await deduct_balance(s, uid, amount, "debit")
                    expected -= amount
                else:
                    with pytest.raises(InsufficientFunds):
                        await deduct_balance(s, uid, amount, "debit")
                    continue
                assert entry.balance == expected
            # the stored FLOAT is exactly the cents value, not an approximation of it
            assert await balance_of(sf, uid) == expected
        async with sf() as s:
            assert await reconcile(s) == []
            total = await s.scalar(select(func.sum(Transaction.amount)).where(Transaction.user_id == uid))
        assert round(Decimal(repr(total or 0.0)), 2) == expected
    finally:
        await engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_sequences_reconcile_exactly(db_url: str, ops: list[tuple[str, Decimal]]) -> None:
    asyncio.run(_migrate(db_url))  # the database outlives examples: one fresh user each
    asyncio.run(_apply(db_url, ops, f"p{uuid.uuid4().hex[:12]}"))


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


# -- property: a batch of debits does exactly what the same debits one by one would -------------

BATCH = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2), st.decimals(Decimal("0.01"), Decimal("6"), places=2)),
    min_size=1,
    max_size=25,
)
OPENING = st.lists(st.decimals(Decimal("0"), Decimal("30"), places=2), min_size=3, max_size=3)


async def _batch_vs_one_by_one(url: str, opening: list[Decimal], batch: list[tuple[int, Decimal]]) -> None:
    engine = create_engine(url)
    sf = create_session_factory(engine)
    try:
        tag = uuid.uuid4().hex[:10]
        users = [await make_user(sf, float(b), name=f"b{tag}{n}") for n, b in enumerate(opening)]
        debits = [Debit(users[u], amount, f"debit {i}") for i, (u, amount) in enumerate(batch)]
        async with sf() as s, s.begin():
            out = await deduct_balances(s, debits)
        balances = dict(zip(users, opening, strict=True))  # the model: one debit at a time, in order
        for debit, got in zip(debits, out, strict=True):
            if balances[debit.user_id] >= debit.amount:
                balances[debit.user_id] -= debit.amount
                assert isinstance(got, LedgerEntry) and got.balance == balances[debit.user_id]
            else:
                assert isinstance(got, InsufficientFunds) and got.balance == balances[debit.user_id]
        for uid in users:
            assert await balance_of(sf, uid) == balances[uid]
        async with sf() as s:
            stored = dict((await s.execute(select(Transaction.id, Transaction.description))).all())
        assert all(
            stored[e.transaction_id] == d.description
            for d, e in zip(debits, out, strict=True)
            if isinstance(e, LedgerEntry)
        )
        async with sf() as s:
            assert await reconcile(s) == []
    finally:
        await engine.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opening=OPENING, batch=BATCH)
def test_batch_debits_equal_one_by_one(
    db_url: str, opening: list[Decimal], batch: list[tuple[int, Decimal]]
) -> None:
    asyncio.run(_migrate(db_url))
    asyncio.run(_batch_vs_one_by_one(db_url, opening, batch))


async def test_a_users_covered_debits_take_one_update(
    engine: object, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    uid = await make_user(session_factory, 100)
    updates: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE USERS"):
            updates.append(statement)

    sync_engine = engine.sync_engine  # type: ignore[attr-defined]
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        async with session_factory() as s, s.begin():
            out = await deduct_balances(s, [Debit(uid, Decimal("1.5"), f"row {i}") for i in range(40)])
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len(updates) == 1  # one guarded UPDATE of the sum, not one per debit
    assert [e.balance for e in out if isinstance(e, LedgerEntry)] == [
        Decimal(100) - Decimal("1.5") * (i + 1) for i in range(40)
    ]
    assert await balance_of(session_factory, uid) == Decimal(40)
    await assert_reconciled(session_factory)
