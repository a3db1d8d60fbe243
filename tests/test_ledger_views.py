"""Balance and History as the data layer builds them (SQLite, and PostgreSQL when configured):
a CSV batch is one item, grouped in SQL; ledger rows keep what their lines are rendered from."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

import services.predictions as predictions_module
from bot.app import Services
from db.ledger import Debit, deduct_balances, increase_balance
from db.models import Prediction, Transaction, TxKind, User
from tests.helpers import SETOSA, assert_reconciled, balance_of, new_user
from tests.models_for_tests import RaisesOnSeven, install_model


async def test_params_are_stored_with_credits_and_debits(services: Services) -> None:
    uid = await new_user(services)
    async with services.session_factory() as s, s.begin():
        await increase_balance(s, uid, 5, "Promo code HELLO", kind=TxKind.PROMO, params={"code": "HELLO"})
        await deduct_balances(s, [Debit(uid, Decimal(2), "x", kind=TxKind.OTHER, params={"note": "n"})])
    async with services.session_factory() as s:
        rows = (await s.execute(select(Transaction.kind, Transaction.params).order_by(Transaction.id))).all()
    assert [(k, p) for k, p in rows] == [
        ("welcome", None),
        ("promo", {"code": "HELLO"}),
        ("other", {"note": "n"}),
    ]
    await assert_reconciled(services.session_factory)


async def test_a_thousand_row_batch_is_one_line_and_one_history_item(services: Services) -> None:
    uid = await new_user(services)
    async with services.session_factory() as s, s.begin():
        await increase_balance(s, uid, 1000, "test top-up")
    await services.predictions.run(user_id=uid, model_name="iris_logreg", values=SETOSA)
    out = await services.predictions.run_batch(
        user_id=uid, model_name="iris_logreg", rows=[SETOSA] * 1000, request_key="big"
    )
    assert out.completed == 1000 and out.charged == Decimal(1000)
    await services.predictions.run(user_id=uid, model_name="iris_logreg", values=SETOSA)

    ledger = await services.accounts.transactions(uid, 0)
    assert ledger.pages == 1 and len(ledger.items) == 5  # run, batch, run, top-up, welcome
    batch_line = ledger.items[1]
    assert batch_line.batch is not None and ledger.items[0].batch is None
    b = batch_line.batch
    assert (b.rows, b.completed, b.failed, b.charged, b.refunded) == (1000, 1000, 0, 1000, 0)
    assert batch_line.amount == Decimal(-1000) and b.model_name == "iris_logreg"
    assert [line.kind for line in ledger.items] == ["charge", "charge", "charge", "other", "welcome"]
    # a batch's rows share one key, its first prediction names it
    async with services.session_factory() as s:
        keys = set(
            (await s.scalars(select(Prediction.batch_key).where(Prediction.batch_key.is_not(None)))).all()
        )
        first = await s.scalar(
            select(Prediction.id).where(Prediction.batch_key.is_not(None)).order_by(Prediction.id)
        )
    assert len(keys) == 1 and b.first_id == first

    history = await services.accounts.predictions(uid, 0)
    assert history.pages == 1 and len(history.items) == 3
    assert [i.batch is not None for i in history.items] == [False, True, False]
    rows = await services.accounts.batch(uid, b.first_id, 0)
    assert rows is not None and rows.rows.pages == 100 and rows.rows.items[0].id == first
    last = await services.accounts.batch(uid, b.first_id, 99)
    assert last is not None and last.rows.page == 99 and len(last.rows.items) == 10
    balance = await services.accounts.balance(await _user(services, uid), 5)
    assert balance.balance == Decimal(8) and len(balance.latest) == 5
    await assert_reconciled(services.session_factory)


async def _user(services: Services, uid: int) -> User:
    async with services.session_factory() as s:
        user = await s.get(User, uid)
        assert user is not None
        s.expunge(user)
        return user


async def test_a_batch_with_failed_rows_counts_its_refunds_and_reports_progress(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(predictions_module, "BATCH_CHUNK", 10)
    await install_model(services, "sevens", RaisesOnSeven(), cost=0.2)
    uid = await new_user(services)
    reports: list[tuple[int, int]] = []
    rows = [{"x": 7 if i in (3, 21) else 1} for i in range(25)]
    out = await services.predictions.run_batch(
        user_id=uid,
        model_name="sevens",
        rows=rows,
        request_key="f",
        progress=lambda d, n: reports.append((d, n)),
    )
    assert reports == [(10, 25), (20, 25), (25, 25)]
    assert (out.completed, out.failed, out.charged) == (23, 2, Decimal("4.6"))
    [line, welcome] = (await services.accounts.transactions(uid, 0)).items
    assert line.batch is not None and welcome.kind == "welcome"
    assert (line.batch.rows, line.batch.completed, line.batch.failed) == (25, 23, 2)
    assert (line.batch.charged, line.batch.refunded, line.amount) == (5, Decimal("0.4"), Decimal("-4.6"))
    assert await balance_of(services.session_factory, uid) == Decimal("5.4")
    # a progress callback that fails never stops the run
    again = await services.predictions.run_batch(
        user_id=uid, model_name="sevens", rows=[{"x": 1}] * 3, request_key="g", progress=lambda d, n: 1 / 0
    )
    assert again.completed == 3
    await assert_reconciled(services.session_factory)


async def test_old_batches_stay_rows_and_other_users_batches_are_not_found(services: Services) -> None:
    uid = await new_user(services)
    other = await new_user(services, "bob", 2)
    await services.predictions.run_batch(
        user_id=uid, model_name="iris_logreg", rows=[SETOSA] * 3, request_key="a"
    )
    async with services.session_factory() as s, s.begin():  # a batch from before batch_key
        await s.execute(update(Prediction).values(batch_key=None))
    history = await services.accounts.predictions(uid, 0)
    assert [i.batch for i in history.items] == [None, None, None]
    assert len((await services.accounts.transactions(uid, 0)).items) == 4
    out = await services.predictions.run_batch(
        user_id=uid, model_name="iris_logreg", rows=[SETOSA] * 2, request_key="b"
    )
    first = out.items[0][0]
    assert await services.accounts.batch(other, first, 0) is None
    assert await services.accounts.batch(uid, 2**40, 0) is None
    assert await services.accounts.batch(uid, 1, 0) is None  # a row of no batch
    found = await services.accounts.batch(uid, first, 7)  # a page out of range: the last
    assert found is not None and found.rows.page == 0 and len(found.rows.items) == 2
