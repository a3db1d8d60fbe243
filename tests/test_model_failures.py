"""A model that misbehaves harms only its own rows: a non-finite or unstorable output fails (and is
refunded) alone, a group that cannot be stored is stored member by member, a poisoned pending run
does not stop start-up, and a CSV batch whose model times out fails at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.app import Services, build_services
from db.accounts import Passwords, register
from db.ledger import deduct_balance
from db.models import Model, Prediction, TxKind
from ml.executor import ModelOutputError, check_output
from tests.helpers import assert_reconciled, balance_of
from tests.models_for_tests import InfiniteRegressor, NotFinite, RaisesOnSeven, SlowCounting, install_model
from tests.support import settings_for

NOT_FINITE = "the model returned a value that is not a finite number"


async def new_user(services: Services, n: int) -> int:
    async with services.session_factory() as s, s.begin():
        user = await register(
            s,
            telegram_id=5000 + n,
            username=f"user{n}",
            email=f"user{n}@example.com",
            password="passw0rd!",
            passwords=services.passwords,
        )
        return user.id


async def install(
    services: Services, name: str, estimator: Any, cost: float = 2.0, task: str = "classification"
) -> Any:
    """Install a model file and its row, as an admin upload would; the loaded estimator back."""
    await install_model(services, name, estimator, cost, task)
    await services.predictions.ensure_loadable(name)
    loaded = services.registry.cached(name)
    assert loaded is not None
    return loaded.estimator


async def pending_run(services: Services, uid: int, model: str, x: float, cost: float = 2.0) -> int:
    """What a stop after the charge leaves behind: a committed charge and a pending run."""
    async with services.session_factory() as s, s.begin():
        model_id = await s.scalar(select(Model.id).where(Model.name == model))
        run = Prediction(user_id=uid, model_id=model_id, input_data={"x": x}, status="pending")
        s.add(run)
        await s.flush()
        await deduct_balance(s, uid, cost, f"Prediction ({model})", prediction_id=run.id, kind=TxKind.CHARGE)
        return run.id


async def statuses(services: Services, ids: list[int]) -> dict[int, str]:
    async with services.session_factory() as s:
        rows = await s.execute(select(Prediction.id, Prediction.status).where(Prediction.id.in_(ids)))
        return {pid: status for pid, status in rows}


@pytest.fixture
def refuse_grouped_settles(services: Services) -> Iterator[list[int]]:
    """The database refuses every grouped settle (an executemany UPDATE of predictions), as it
    would for any reason: a bad value, a constraint, a driver error. Yields the refusal count."""
    refused: list[int] = []

    def refuse(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if executemany and statement.lstrip().upper().startswith("UPDATE PREDICTIONS"):
            refused.append(len(params))
            raise RuntimeError("refused by the test")

    event.listen(services.engine.sync_engine, "before_cursor_execute", refuse)
    yield refused
    event.remove(services.engine.sync_engine, "before_cursor_execute", refuse)


# -- pure ---------------------------------------------------------------------------------------------
def test_only_strict_json_results_pass() -> None:
    assert check_output({"value": 1.5, "label": "x", "p": {"a": 0.5}}) == {
        "value": 1.5,
        "label": "x",
        "p": {"a": 0.5},
    }
    for bad in ({"value": float("nan")}, {"p": {"a": float("inf")}}, {"value": -float("inf")}):
        with pytest.raises(ModelOutputError, match="not a finite number"):
            check_output(bad)
    unstorable: list[Any] = [{"value": object()}, {"value": {1, 2}}, [1.0], None]
    for value in unstorable:
        with pytest.raises(ModelOutputError) as err:
            check_output(value)
        assert "Error" not in str(err.value)  # a plain message, shown to the user as is


# -- defect 4: one bad output fails alone -------------------------------------------------------------
async def test_a_nan_output_fails_alone_among_concurrent_runs(services: Services) -> None:
    model = await install(services, "not_finite", NotFinite(), cost=2)
    users = [await new_user(services, i) for i in range(20)]
    outcomes = await asyncio.gather(
        *(
            services.predictions.run(user_id=uid, model_name="not_finite", values=str(7 if i == 13 else 1))
            for i, uid in enumerate(users)
        )
    )
    assert len(model.calls) < 20  # they did run together
    bad = outcomes[13]
    assert bad.status == "failed" and bad.refunded and bad.cost == 0 and bad.error == NOT_FINITE
    assert bad.balance == Decimal(10) and await balance_of(services.session_factory, users[13]) == 10
    good = [o for i, o in enumerate(outcomes) if i != 13]
    assert all(o.ok and o.result is not None and o.result["label"] == "yes" for o in good)
    assert [await balance_of(services.session_factory, uid) for i, uid in enumerate(users) if i != 13] == [
        8
    ] * 19
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).where(Prediction.status == "pending")) == 0
    await assert_reconciled(services.session_factory)


async def test_an_infinite_regression_output_fails_and_is_refunded(services: Services) -> None:
    await install(services, "infinite", InfiniteRegressor(), cost=1, task="regression")
    uid = await new_user(services, 1)
    fine, bad = await asyncio.gather(
        services.predictions.run(user_id=uid, model_name="infinite", values="3"),
        services.predictions.run(user_id=uid, model_name="infinite", values="7"),
    )
    assert fine.ok and fine.result == {"value": 6.0}
    assert bad.status == "failed" and bad.refunded and bad.error == NOT_FINITE
    assert await balance_of(services.session_factory, uid) == Decimal(9)
    await assert_reconciled(services.session_factory)


async def test_complete_refuses_a_result_it_cannot_store(services: Services) -> None:
    await install(services, "not_finite", NotFinite(), cost=2)
    uid = await new_user(services, 1)
    pid = await pending_run(services, uid, "not_finite", 1)
    out = await services.predictions.complete(pid, {"value": float("nan")})
    assert out.status == "failed" and out.refunded and out.error == NOT_FINITE
    await assert_reconciled(services.session_factory)


async def test_a_group_that_cannot_be_stored_is_stored_one_by_one(
    services: Services, refuse_grouped_settles: list[int]
) -> None:
    await services.predictions.ensure_loadable("iris_logreg")
    users = [await new_user(services, i) for i in range(5)]
    setosa = "5.1 3.5 1.4 0.2"
    outcomes = await asyncio.gather(
        *(services.predictions.run(user_id=uid, model_name="iris_logreg", values=setosa) for uid in users)
    )
    assert refuse_grouped_settles  # the group was refused...
    assert all(
        o.ok and o.result is not None and o.result["label"] == "setosa" for o in outcomes
    )  # ...each stored
    assert [await balance_of(services.session_factory, uid) for uid in users] == [9] * 5
    await assert_reconciled(services.session_factory)


async def test_a_poisoned_pending_run_does_not_block_start_up(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    settings = settings_for(db_url, models_dir)
    services = await build_services(settings, passwords)
    await install(services, "not_finite", NotFinite(), cost=2)
    uid = await new_user(services, 1)
    poisoned = await pending_run(services, uid, "not_finite", 7)
    fine = await pending_run(services, uid, "not_finite", 1)
    stuck = await pending_run(services, uid, "not_finite", 2)  # the database will refuse to settle it
    await services.close()  # a "crash": all three left pending

    restarted = await build_services(settings, passwords)  # start-up reads them, settles nothing yet
    try:
        assert restarted.pending_at_start == [poisoned, fine, stuck]

        def refuse(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            rows = params if isinstance(params, list) else [params]
            values = [v for row in rows for v in (row.values() if isinstance(row, dict) else row)]
            if statement.lstrip().upper().startswith("UPDATE PREDICTIONS") and stuck in values:
                raise RuntimeError("refused by the test")

        event.listen(restarted.engine.sync_engine, "before_cursor_execute", refuse)
        try:
            settled = {o.prediction_id: o for o in await restarted.recover()}
        finally:
            event.remove(restarted.engine.sync_engine, "before_cursor_execute", refuse)
        assert set(settled) == {poisoned, fine}
        assert settled[poisoned].status == "failed" and settled[poisoned].refunded
        assert settled[poisoned].error == NOT_FINITE
        assert settled[fine].ok
        assert await statuses(restarted, [stuck]) == {stuck: "pending"}  # left for the next start
        [last] = await restarted.predictions.recover_pending()
        assert last.prediction_id == stuck and last.ok
        assert await balance_of(restarted.session_factory, uid) == Decimal(6)
        await assert_reconciled(restarted.session_factory)
    finally:
        await restarted.close()


# -- defect 6: a batch whose model times out fails at once ---------------------------------------------
async def test_a_batch_whose_model_times_out_fails_at_once(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    services = await build_services(settings_for(db_url, models_dir, ml_timeout=0.2), passwords)
    try:
        model = await install(services, "slow", SlowCounting(0.5), cost=0.2)
        uid = await new_user(services, 1)
        out = await services.predictions.run_batch(
            user_id=uid, model_name="slow", rows=[{"x": i % 10} for i in range(40)], request_key="csv"
        )
        assert (out.completed, out.failed) == (0, 40)
        assert all("longer than" in (result or {}).get("error", "") for _, _, result in out.items)
        assert len(model.calls) == 1  # no second call, let alone one per row
        assert out.charged == 0 and out.balance == Decimal(10)
        await assert_reconciled(services.session_factory)
    finally:
        await services.close()


async def test_a_batch_with_a_row_the_model_refuses_finds_it_in_few_calls(services: Services) -> None:
    model = await install(services, "raises_on_seven", RaisesOnSeven(), cost=0.1)
    uid = await new_user(services, 1)
    rows = [{"x": 7 if i == 41 else i % 7} for i in range(64)]
    out = await services.predictions.run_batch(
        user_id=uid, model_name="raises_on_seven", rows=rows, request_key="csv"
    )
    assert (out.completed, out.failed) == (63, 1)
    assert out.items[41][1] == "failed" and "cannot handle 7" in (out.items[41][2] or {})["error"]
    assert len(model.calls) <= 1 + 2 * 6  # halves down to the bad row, not one call per row
    assert out.charged == Decimal("6.3") and out.balance == Decimal("3.7")
    await assert_reconciled(services.session_factory)


async def test_a_nan_row_in_a_batch_fails_alone_in_one_call(services: Services) -> None:
    model = await install(services, "not_finite", NotFinite(), cost=0.5)
    uid = await new_user(services, 1)
    rows = [{"x": 7 if i == 3 else 1} for i in range(10)]
    out = await services.predictions.run_batch(
        user_id=uid, model_name="not_finite", rows=rows, request_key="csv"
    )
    assert (out.completed, out.failed) == (9, 1)
    assert out.items[3][1] == "failed" and (out.items[3][2] or {})["error"] == NOT_FINITE
    assert model.calls == [10]
    assert out.charged == Decimal("4.5") and out.balance == Decimal("5.5")
    await assert_reconciled(services.session_factory)
