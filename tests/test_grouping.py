"""Group commit: many concurrent paid runs share transactions and still each get exactly their own
outcome; the ledger's batch debit; the coalescer itself."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from bot.app import Services
from db.bulk import insert_ids
from db.errors import InsufficientFunds, UserNotFound
from db.ledger import Debit, LedgerEntry, deduct_balances
from db.models import Model, Prediction, Transaction, TxKind, User
from grouping import Coalescer
from services.predictions import ModelUnavailable, PredictionOutcome, UserDisabled
from tests.helpers import SETOSA, assert_reconciled, balance_of, new_user


# -- the coalescer ---------------------------------------------------------------------------------
async def test_concurrent_calls_share_batches_and_fail_alone() -> None:
    seen: list[list[int]] = []

    async def double(items: list[int]) -> list[int | BaseException]:
        seen.append(items)
        await asyncio.sleep(0.01)  # a transaction's worth of waiting
        return [ValueError(f"odd {i}") if i % 2 else i * 2 for i in items]

    c: Coalescer[int, int] = Coalescer(double, max_size=40)
    results = await asyncio.gather(*(c(i) for i in range(100)), return_exceptions=True)
    assert [r for r in results if not isinstance(r, BaseException)] == [i * 2 for i in range(0, 100, 2)]
    assert all(str(results[i]) == f"odd {i}" for i in range(1, 100, 2))
    assert sorted(i for batch in seen for i in batch) == list(range(100))
    assert max(len(b) for b in seen) == 40 and len(seen) == 3 == c.batches
    lone = await c(4)  # a lone call is served at once, in a batch of its own
    assert lone == 8 and seen[-1] == [4]


async def test_a_failing_batch_fails_its_callers_and_the_next_batch_runs() -> None:
    calls = 0

    async def flaky(items: list[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return list(items)

    c: Coalescer[int, int] = Coalescer(flaky)
    first = await asyncio.gather(c(1), c(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in first)
    assert await asyncio.gather(c(3), c(4)) == [3, 4]


# -- the ledger's batch debit ----------------------------------------------------------------------
async def test_batch_debit_rounds_per_user_and_refuses_alone(services: Services) -> None:
    alice = await new_user(services, "alice", 1)  # 10 credits each
    bob = await new_user(services, "bob", 2)
    async with services.session_factory() as s, s.begin():
        out = await deduct_balances(
            s,
            [
                Debit(alice, Decimal("4"), "a1"),
                Debit(alice, Decimal("4"), "a2"),
                Debit(bob, Decimal("9.99"), "b1"),
                Debit(alice, Decimal("4"), "a3"),  # only 2 left: refused
                Debit(999_999, Decimal("1"), "nobody"),
            ],
        )
    assert [type(r) for r in out] == [LedgerEntry, LedgerEntry, LedgerEntry, InsufficientFunds, UserNotFound]
    assert [r.balance for r in out[:3] if isinstance(r, LedgerEntry)] == [
        Decimal("6"),
        Decimal("2"),
        Decimal("0.01"),
    ]
    refused = out[3]
    assert isinstance(refused, InsufficientFunds) and refused.balance == Decimal("2")
    assert await balance_of(services.session_factory, alice) == Decimal("2")
    assert await balance_of(services.session_factory, bob) == Decimal("0.01")
    await assert_reconciled(services.session_factory)


async def test_batch_debit_links_each_transaction_id_to_its_own_debit(services: Services) -> None:
    users = [await new_user(services, f"payer{i}", 300 + i) for i in range(25)]
    debits = [Debit(uid, Decimal(f"0.{i + 10}"), f"debit {i}") for i, uid in enumerate(reversed(users))]
    async with services.session_factory() as s, s.begin():
        out = await deduct_balances(s, debits)
    async with services.session_factory() as s:
        stored = {
            tx_id: (uid, desc, amount)
            for tx_id, uid, desc, amount in await s.execute(
                select(Transaction.id, Transaction.user_id, Transaction.description, Transaction.amount)
            )
        }
    for debit, entry in zip(debits, out, strict=True):
        assert isinstance(entry, LedgerEntry)
        assert stored[entry.transaction_id] == (debit.user_id, debit.description, -float(debit.amount))
        assert entry.balance == Decimal("10") - debit.amount
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize("keys", ["distinct keys", "no keys, distinct users", "no keys, one user"])
async def test_insert_ids_returns_each_rows_own_id_in_row_order(services: Services, keys: str) -> None:
    users = [await new_user(services, f"owner{i}", 400 + i) for i in range(3)]
    async with services.session_factory() as s:
        model_id = await s.scalar(select(Model.id).where(Model.name == "iris_logreg"))
    count = 3 if keys == "no keys, distinct users" else 40
    rows = [
        {
            "user_id": users[0] if keys == "no keys, one user" else users[i % 3],
            "model_id": model_id,
            "input_data": {"row": i},
            "status": "pending",
            "request_key": f"key-{count - i}" if keys == "distinct keys" else None,
        }
        for i in range(count)
    ]
    table = Prediction.__table__
    async with services.session_factory() as s, s.begin():
        ids = await insert_ids(s, table, rows, match=("request_key", "user_id"))  # type: ignore[arg-type]
    assert len(set(ids)) == count
    async with services.session_factory() as s:
        stored = {
            pid: (uid, data, key)
            for pid, uid, data, key in await s.execute(
                select(Prediction.id, Prediction.user_id, Prediction.input_data, Prediction.request_key)
            )
        }
    assert [stored[pid] for pid in ids] == [(r["user_id"], r["input_data"], r["request_key"]) for r in rows]
    async with services.session_factory() as s, s.begin():
        assert await insert_ids(s, table, [], match=("user_id",)) == []  # type: ignore[arg-type]


# -- paid runs in groups ---------------------------------------------------------------------------
async def _charge_batches(services: Services) -> int:
    return services.predictions._charges.batches


async def test_a_burst_of_runs_is_charged_in_few_transactions_each_exactly_once(services: Services) -> None:
    users = [await new_user(services, f"user{i}", 100 + i) for i in range(60)]
    before = await _charge_batches(services)
    outcomes = await asyncio.gather(
        *(
            services.predictions.run(
                user_id=uid, model_name="iris_logreg", values=SETOSA, request_key=f"k{uid}"
            )
            for uid in users
        )
    )
    assert all(o.ok and not o.duplicate and o.cost == Decimal("1") for o in outcomes)
    assert all(o.result is not None and o.result["label"] == "setosa" for o in outcomes)
    assert {o.user_id for o in outcomes} == set(users) and len({o.prediction_id for o in outcomes}) == 60
    assert all(o.balance == Decimal("9") for o in outcomes)
    assert await _charge_batches(services) - before < 20  # grouped, not one transaction per run
    async with services.session_factory() as s:
        charges = await s.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.kind == TxKind.CHARGE)
        )
        pending = await s.scalar(
            select(func.count()).select_from(Prediction).where(Prediction.status != "completed")
        )
    assert charges == 60 and pending == 0
    await assert_reconciled(services.session_factory)


async def test_refusals_in_a_group_touch_only_their_own_runs(services: Services) -> None:
    ok = await new_user(services, "okay", 1)
    poor = await new_user(services, "poor", 2)
    off = await new_user(services, "offline", 3)
    tapper = await new_user(services, "tapper", 4)
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == poor).values(balance=0.5))
        await s.execute(update(User).where(User.id == off).values(disabled=True))
        await s.execute(update(Model).where(Model.name == "wine_gb").values(is_active=False))
        # keep the ledger true for the poor user: the change above is an admin debit
        s.add(Transaction(user_id=poor, amount=-9.5, description="test debit", kind=TxKind.ADMIN_DEBIT))
    wine = {f.name: f.example for f in services.registry.meta("wine_gb").features}
    runs = [
        services.predictions.run(user_id=ok, model_name="iris_logreg", values=SETOSA, request_key="a"),
        services.predictions.run(user_id=poor, model_name="iris_logreg", values=SETOSA, request_key="b"),
        services.predictions.run(user_id=off, model_name="iris_logreg", values=SETOSA, request_key="c"),
        services.predictions.run(user_id=ok, model_name="wine_gb", values=wine, request_key="d"),
        services.predictions.run(user_id=999_999, model_name="iris_logreg", values=SETOSA, request_key="e"),
        # a double tap: the same key twice at once pays once
        services.predictions.run(user_id=tapper, model_name="iris_logreg", values=SETOSA, request_key="t"),
        services.predictions.run(user_id=tapper, model_name="iris_logreg", values=SETOSA, request_key="t"),
    ]
    out = await asyncio.gather(*runs, return_exceptions=True)
    assert isinstance(out[0], PredictionOutcome) and out[0].ok
    assert isinstance(out[1], InsufficientFunds) and out[1].balance == Decimal("0.5")
    assert isinstance(out[2], UserDisabled)
    assert isinstance(out[3], ModelUnavailable)
    assert isinstance(out[4], UserNotFound)
    taps = [o for o in out[5:] if isinstance(o, PredictionOutcome)]
    assert len(taps) == 2 and taps[0].prediction_id == taps[1].prediction_id
    assert sorted(o.duplicate for o in taps) == [False, True]
    assert await balance_of(services.session_factory, ok) == Decimal("9")
    assert await balance_of(services.session_factory, tapper) == Decimal("9")
    assert await balance_of(services.session_factory, poor) == Decimal("0.5")
    async with services.session_factory() as s:
        rows = (await s.execute(select(Prediction.user_id, Prediction.status))).all()
    assert sorted(rows) == sorted([(ok, "completed"), (tapper, "completed")])  # refusals left no row
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize("spenders", [12])
async def test_one_users_concurrent_runs_never_overdraw(services: Services, spenders: int) -> None:
    """One user fires many runs at once (different keys): they land in successive groups, and
    exactly as many as the balance allows are charged."""
    uid = await new_user(services)
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=3))
    out = await asyncio.gather(
        *(
            services.predictions.run(user_id=uid, model_name="iris_logreg", values=SETOSA, request_key=str(i))
            for i in range(spenders)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(o, PredictionOutcome) for o in out) == 3
    assert sum(isinstance(o, InsufficientFunds) for o in out) == spenders - 3
    assert await balance_of(services.session_factory, uid) == Decimal("1")
    await assert_reconciled(services.session_factory)
