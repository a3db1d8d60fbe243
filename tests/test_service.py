"""Paid prediction runs on real models and a real database: charge, run, settle exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import func, select, text, update

from bot.app import Services, build_services
from db.accounts import Passwords, set_disabled
from db.catalogue import file_bytes, model_versions
from db.engine import create_engine
from db.errors import InsufficientFunds
from db.ledger import deduct_balance
from db.migrate import upgrade
from db.models import Model, ModelFile, Prediction, Transaction, TxKind, User, utcnow
from ml.inputs import InputError
from ml.registry import ModelRegistry
from services.predictions import (
    ModelUnavailable,
    PredictionOutcome,
    PredictionService,
    PriceChanged,
    UserDisabled,
    _Charged,
    _ChargeRequest,
)
from tests.helpers import SETOSA, assert_reconciled, balance_of, crash_mid_run, new_user, transactions_of
from tests.models_for_tests import Exploding, Slow
from tests.models_for_tests import install_model as add_model
from tests.support import settings_for

MALIGNANT_ROW = (
    "17.99 10.38 122.8 1001 0.1184 0.2776 0.3001 0.1471 0.2419 0.07871 1.095 0.9053 8.589 "
    "153.4 0.006399 0.04904 0.05373 0.01587 0.03003 0.006193 25.38 17.33 184.6 2019 0.1622 "
    "0.6656 0.7119 0.2654 0.4601 0.1189"
)


def examples(services: Services, name: str) -> dict[str, Any]:
    return {f.name: f.example for f in services.registry.meta(name).features}


async def counts(services: Services) -> tuple[int, int]:
    async with services.session_factory() as s:
        preds = await s.scalar(select(func.count()).select_from(Prediction))
        txs = await s.scalar(select(func.count()).select_from(Transaction))
        return int(preds or 0), int(txs or 0)


async def test_start_up_builds_and_registers_the_catalogue(services: Services) -> None:
    async with services.session_factory() as s:
        rows = {m.name: (m.cost, m.file_path, m.is_active) for m in await s.scalars(select(Model))}
    assert rows == {
        "iris_logreg": (1.0, "iris_logreg.v1.skops", True),
        "cancer_rf": (3.0, "cancer_rf.v1.skops", True),
        "wine_gb": (2.0, "wine_gb.v1.skops", True),
        "diabetes_rf": (2.0, "diabetes_rf.v1.skops", True),
    }
    # each stored in the database as its first version, the bytes the models folder holds
    async with services.session_factory() as s:
        for name in rows:
            [version] = await model_versions(s, name)
            assert (version.number, version.created_by, version.current) == (1, "built-in", True)
            data = await file_bytes(s, version.sha256)
            assert data == (services.settings.models_dir / f"{name}.skops").read_bytes()


async def test_a_paid_run_charges_once_and_completes(services: Services) -> None:
    uid = await new_user(services)
    out = await services.predictions.run(user_id=uid, model_name="cancer_rf", values=MALIGNANT_ROW)
    assert out.ok and out.status == "completed" and not out.refunded
    assert out.result is not None and out.result["label"] == "malignant"
    assert out.result["probabilities"]["malignant"] > 0.8
    assert out.cost == Decimal("3") and out.balance == Decimal("7")
    assert await balance_of(services.session_factory, uid) == Decimal("7")
    txs = await transactions_of(services.session_factory, uid)
    charge = txs[-1]
    assert (charge.amount, charge.kind, charge.prediction_id) == (-3.0, "charge", out.prediction_id)
    assert charge.description == "Prediction using model RandomForest (cancer_rf)"
    async with services.session_factory() as s:
        pred = await s.get(Prediction, out.prediction_id)
        assert pred is not None and pred.status == "completed"
        assert pred.input_data["mean_radius"] == 17.99 and len(pred.input_data) == 30
        assert pred.result["label"] == "malignant"
    await assert_reconciled(services.session_factory)


async def test_regression_and_mapping_inputs(services: Services) -> None:
    uid = await new_user(services)
    values = {
        "age": 50,
        "sex": "2",
        "bmi": 32.1,
        "bp": 101,
        "s1": 157,
        "s2": 93.2,
        "s3": 38,
        "s4": 4,
        "s5": 4.86,
        "s6": 87,
    }
    out = await services.predictions.run(user_id=uid, model_name="diabetes_rf", values=values)
    assert out.ok and out.result is not None
    assert 25 <= out.result["value"] <= 346
    assert out.balance == Decimal("8")


async def test_insufficient_balance_is_refused_before_anything_is_written(services: Services) -> None:
    uid = await new_user(services)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 8, "spent elsewhere")
    before = await counts(services)
    with pytest.raises(InsufficientFunds) as err:
        await services.predictions.run(user_id=uid, model_name="cancer_rf", values=MALIGNANT_ROW)
    assert (err.value.balance, err.value.amount) == (Decimal("2"), Decimal("3"))
    assert await counts(services) == before
    out = await services.predictions.run(user_id=uid, model_name="iris_logreg", values=SETOSA)
    assert out.result is not None and out.result["label"] == "setosa"
    assert out.balance == Decimal("1")


async def test_refusals_write_nothing(services: Services) -> None:
    uid = await new_user(services)
    before = await counts(services)
    with pytest.raises(InputError) as err:
        await services.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1, 3.5, nan, 0.2")
    assert err.value.code == "not_finite" and err.value.feature == "petal_length"
    with pytest.raises(InputError):
        await services.predictions.run(user_id=uid, model_name="iris_logreg", values="1 2 3")
    with pytest.raises(ModelUnavailable):
        await services.predictions.run(user_id=uid, model_name="no_such_model", values="1")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "wine_gb").values(is_active=False))
    with pytest.raises(ModelUnavailable):
        await services.predictions.run(
            user_id=uid, model_name="wine_gb", values=examples(services, "wine_gb")
        )
    async with services.session_factory() as s, s.begin():
        await set_disabled(s, uid, True)
    with pytest.raises(UserDisabled):
        await services.predictions.run(user_id=uid, model_name="iris_logreg", values=SETOSA)
    assert await counts(services) == before
    assert await balance_of(services.session_factory, uid) == Decimal("10")


async def test_a_tampered_model_is_refused_without_charging(services: Services) -> None:
    """Stored bytes that no longer match their SHA-256 are never loaded: a process that loads
    the model after the change (here one starting up) refuses it, and charges nothing."""
    uid = await new_user(services)
    sha = services.registry.meta("wine_gb").sha256
    async with services.session_factory() as s, s.begin():
        data = await file_bytes(s, sha)
        assert data is not None
        await s.execute(update(ModelFile).where(ModelFile.sha256 == sha).values(data=data + b"tampered"))
    other = await build_services(services.settings)
    try:
        before = await counts(services)
        with pytest.raises(ModelUnavailable):
            await other.predictions.run(
                user_id=uid, model_name="wine_gb", values=examples(services, "wine_gb")
            )
        assert await counts(services) == before
    finally:
        await other.close()


async def test_a_failing_model_refunds_exactly_once(services: Services) -> None:
    uid = await new_user(services)
    await add_model(services, "exploding", Exploding(), cost=2.5)
    out = await services.predictions.run(user_id=uid, model_name="exploding", values="3")
    assert out.status == "failed" and out.refunded and out.cost == 0
    assert out.error is not None and "boom" in out.error
    assert out.balance == Decimal("10")
    # settling again (a retry, a recovery racing a live run) changes nothing
    again = await services.predictions.fail(out.prediction_id, "second time")
    assert again.refunded and again.error == out.error
    done = await services.predictions.complete(out.prediction_id, {"label": "yes"})
    assert done.status == "failed"
    kinds = [(t.kind, t.amount) for t in await transactions_of(services.session_factory, uid)]
    assert kinds == [("welcome", 10.0), ("charge", -2.5), ("refund", 2.5)]
    await assert_reconciled(services.session_factory)


async def test_a_refund_cannot_be_written_twice_even_by_sql(services: Services) -> None:
    """The (prediction_id, kind) unique index backs the status guard."""
    from sqlalchemy.exc import IntegrityError

    uid = await new_user(services)
    await add_model(services, "exploding", Exploding())
    out = await services.predictions.run(user_id=uid, model_name="exploding", values="3")
    with pytest.raises(IntegrityError):
        async with services.session_factory() as s, s.begin():
            s.add(
                Transaction(
                    user_id=uid,
                    amount=2.0,
                    description="dup",
                    prediction_id=out.prediction_id,
                    kind=TxKind.REFUND,
                )
            )


async def test_a_timed_out_model_is_refunded(db_url: str, models_dir: Path, passwords: Passwords) -> None:
    services = await build_services(settings_for(db_url, models_dir, ml_timeout=0.2), passwords)
    try:
        uid = await new_user(services)
        await add_model(services, "slow", Slow(1.0))
        out = await services.predictions.run(user_id=uid, model_name="slow", values="1")
        assert out.status == "failed" and out.refunded and out.balance == Decimal("10")
        assert "longer than" in (out.error or "")
        await assert_reconciled(services.session_factory)
    finally:
        await services.close()


async def test_same_request_key_never_charges_twice(services: Services) -> None:
    uid = await new_user(services)
    first = await services.predictions.run(
        user_id=uid, model_name="iris_logreg", values=SETOSA, request_key="confirm:42"
    )
    again = await services.predictions.run(
        user_id=uid, model_name="iris_logreg", values=SETOSA, request_key="confirm:42"
    )
    assert again.duplicate and again.prediction_id == first.prediction_id
    assert again.result == first.result and again.balance == Decimal("9")
    burst = await asyncio.gather(
        *(
            services.predictions.run(
                user_id=uid, model_name="iris_logreg", values=SETOSA, request_key="confirm:43"
            )
            for _ in range(8)
        )
    )
    assert len({o.prediction_id for o in burst}) == 1
    assert sum(not o.duplicate for o in burst) == 1
    assert await balance_of(services.session_factory, uid) == Decimal("8")
    # another user may use the same key: keys are per user
    other = await new_user(services, "bob", 2)
    theirs = await services.predictions.run(
        user_id=other, model_name="iris_logreg", values=SETOSA, request_key="confirm:42"
    )
    assert not theirs.duplicate and theirs.user_id == other
    await assert_reconciled(services.session_factory)


async def test_concurrent_runs_on_a_small_balance(services: Services) -> None:
    """Ten concurrent paid runs on 10 credits at cost 3: exactly three are served."""
    uid = await new_user(services)
    results = await asyncio.gather(
        *(
            services.predictions.run(user_id=uid, model_name="cancer_rf", values=MALIGNANT_ROW)
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    served = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(served) == 3 and len(refused) == 7
    assert all(r.ok for r in served)
    assert await balance_of(services.session_factory, uid) == Decimal("1")
    await assert_reconciled(services.session_factory)


async def test_pending_after_a_crash_is_settled_once_on_start_up(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    settings = settings_for(db_url, models_dir)
    services = await build_services(settings, passwords)
    uid = await new_user(services)
    await add_model(services, "exploding", Exploding(), cost=1.5)
    rerun = await crash_mid_run(services, uid, "iris_logreg", SETOSA)
    doomed = await crash_mid_run(services, uid, "exploding", {"x": 1})
    async with services.session_factory() as s, s.begin():
        gone = (await s.scalars(select(Model).where(Model.name == "wine_gb"))).one()
        lost = Prediction(user_id=uid, model_id=gone.id, input_data={"junk": 1}, status="pending")
        s.add(lost)
        await s.flush()
        await deduct_balance(
            s,
            uid,
            2,
            "Prediction using model GradientBoosting (wine_gb)",
            prediction_id=lost.id,
            kind=TxKind.CHARGE,
        )
        lost_id = lost.id
    assert await balance_of(services.session_factory, uid) == Decimal("5.5")
    await services.close()  # "crash": nothing settled them

    restarted = await build_services(settings, passwords)
    try:
        settled = {o.prediction_id: o for o in await restarted.recover()}
        assert set(settled) == {rerun, doomed, lost_id}
        assert settled[rerun].ok and settled[rerun].result["label"] == "setosa"  # type: ignore[index]
        assert settled[doomed].status == "failed" and settled[doomed].refunded
        assert settled[lost_id].status == "failed" and settled[lost_id].refunded
        assert await balance_of(restarted.session_factory, uid) == Decimal("9")
        assert await restarted.predictions.recover_pending() == []
    finally:
        await restarted.close()

    third = await build_services(settings, passwords)  # and a second restart does nothing more
    try:
        assert await third.recover() == []
        kinds = sorted(t.kind for t in await transactions_of(third.session_factory, uid))
        assert kinds == ["charge", "charge", "charge", "refund", "refund", "welcome"]
        await assert_reconciled(third.session_factory)
    finally:
        await third.close()


async def test_recovery_racing_a_live_settle_settles_once(services: Services) -> None:
    uid = await new_user(services)
    await add_model(services, "exploding", Exploding(), cost=1)
    pid = await crash_mid_run(services, uid, "exploding", {"x": 2})
    outcomes = await asyncio.gather(
        services.predictions.recover_pending(),
        services.predictions.fail(pid, "live"),
        services.predictions.recover_pending(),
    )
    assert outcomes[1].refunded
    refunds = [t for t in await transactions_of(services.session_factory, uid) if t.kind == "refund"]
    assert len(refunds) == 1
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    await assert_reconciled(services.session_factory)


def test_service_module_is_aiogram_free() -> None:
    import ast
    import inspect

    import services.predictions

    tree = ast.parse(inspect.getsource(services.predictions))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m and m.startswith("aiogram") for m in imported)
    assert PredictionService and ModelRegistry and User  # the public pieces exist


# -- never above the confirmed price ---------------------------------------------------------------
async def set_cost(services: Services, name: str, cost: float) -> None:
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == name).values(cost=cost))


async def test_a_run_is_never_charged_above_its_quote_even_in_one_group(services: Services) -> None:
    users = [await new_user(services, f"quoted{i}", 700 + i) for i in range(4)]
    await set_cost(services, "iris_logreg", 2)
    await services.predictions.ensure_loadable("iris_logreg")  # loaded: the runs below queue together
    quotes = [Decimal("1"), Decimal("2"), Decimal("5"), None]
    before = services.predictions._charges.batches
    results = await asyncio.gather(
        *(
            services.predictions.run(
                user_id=uid, model_name="iris_logreg", values=SETOSA, request_key="ok", max_cost=quote
            )
            for uid, quote in zip(users, quotes, strict=True)
        ),
        return_exceptions=True,
    )
    assert services.predictions._charges.batches - before == 1  # one charging transaction for all four
    refused, *charged = results
    assert isinstance(refused, PriceChanged) and refused.code == "price_changed"
    assert (refused.quoted, refused.current) == (Decimal("1"), Decimal("2"))
    assert all(isinstance(o, PredictionOutcome) and o.ok and o.cost == Decimal("2") for o in charged)
    assert [await balance_of(services.session_factory, uid) for uid in users] == [10, 8, 8, 8]
    assert await services.predictions.lookup(users[0], "ok") is None  # its key is free: nothing written
    # confirmed again at the new price: it runs; a price lowered since the quote: the lower is paid
    again = await services.predictions.run(
        user_id=users[0], model_name="iris_logreg", values=SETOSA, request_key="ok2", max_cost=Decimal(2)
    )
    await set_cost(services, "iris_logreg", 1.5)
    lower = await services.predictions.run(
        user_id=users[1], model_name="iris_logreg", values=SETOSA, request_key="ok3", max_cost=Decimal(2)
    )
    assert (again.cost, lower.cost, lower.balance) == (Decimal(2), Decimal("1.5"), Decimal("6.5"))
    # the one-by-one fallback (a group hit a duplicate key) applies the quote too
    request = _ChargeRequest(
        users[2],
        "iris_logreg",
        services.predictions.parse("iris_logreg", SETOSA),
        None,
        Decimal(1),
        services.registry.version_of("iris_logreg"),
    )
    with pytest.raises(PriceChanged):
        await services.predictions._charge_one(request)
    assert await counts(services) == (5, 4 + 5)  # 4 welcome bonuses, 5 charges
    await assert_reconciled(services.session_factory)


async def test_a_batch_is_never_charged_above_its_quote(services: Services) -> None:
    uid = await new_user(services)
    await set_cost(services, "iris_logreg", 2)
    before = await counts(services)
    with pytest.raises(PriceChanged) as refused:
        await services.predictions.run_batch(
            user_id=uid, model_name="iris_logreg", rows=[SETOSA] * 3, request_key="b", max_cost=Decimal(1)
        )
    assert (refused.value.quoted, refused.value.current) == (Decimal(1), Decimal(2))
    assert await counts(services) == before and await balance_of(services.session_factory, uid) == 10
    out = await services.predictions.run_batch(
        user_id=uid, model_name="iris_logreg", rows=[SETOSA] * 3, request_key="b", max_cost=Decimal(3)
    )
    assert out.completed == 3 and out.charged == Decimal(6) and out.balance == Decimal(4)
    await assert_reconciled(services.session_factory)


async def test_a_deployment_from_before_stored_versions_keeps_its_costs(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    """Migration 0005 on a database whose models were files: at the next start the built-in
    models are stored as their first version at the cost the admin had set; a model uploaded as
    a pickle then has no version and is not offered (it is never loaded)."""
    engine = create_engine(db_url)
    try:
        await upgrade(engine, "0004")
        async with engine.begin() as conn:
            for name, cost in (("iris_logreg", 4.5), ("old_pickle", 2.0)):
                await conn.execute(
                    text("INSERT INTO models (name, cost, file_path, is_active) VALUES (:n, :c, :f, true)"),
                    {"n": name, "c": cost, "f": f"{name}.joblib"},
                )
    finally:
        await engine.dispose()
    services = await build_services(settings_for(db_url, models_dir), passwords)
    try:
        async with services.session_factory() as s:
            costs = {m.name: (m.cost, m.version_id is not None) for m in await s.scalars(select(Model))}
        assert costs["iris_logreg"] == (4.5, True) and costs["cancer_rf"] == (3.0, True)
        assert costs["old_pickle"] == (2.0, False)
        assert "old_pickle" not in services.registry.metas()
        uid = await new_user(services)
        with pytest.raises(ModelUnavailable):
            await services.predictions.run(user_id=uid, model_name="old_pickle", values="1")
        out = await services.predictions.run(user_id=uid, model_name="iris_logreg", values=SETOSA)
        assert out.ok and out.cost == Decimal("4.5")
    finally:
        await services.close()


async def test_a_core_closed_while_its_models_load_leaves_nothing_running(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    """Start-up loads the models in the background; closing at once (a test, a quick restart)
    must not leave a load behind that would wait on the disposed database engine for ever."""
    for _ in range(3):
        services = await build_services(settings_for(db_url, models_dir), passwords)
        await services.close()
        current = asyncio.current_task()
        assert [t for t in asyncio.all_tasks() if t is not current and not t.done()] == []


async def test_a_rerun_that_never_finished_is_refunded_not_run_again(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    """A model that takes the process down (a crash in compiled code) must not take it down at
    every start: recovery notes each re-run first, and a run whose re-run never finished is
    failed and refunded. A re-run noted moments ago belongs to another process: left to it."""
    settings = settings_for(db_url, models_dir)
    services = await build_services(settings, passwords)
    uid = await new_user(services)
    crashed_twice = await crash_mid_run(services, uid, "iris_logreg", SETOSA)
    elsewhere = await crash_mid_run(services, uid, "iris_logreg", SETOSA)
    crashed_once = await crash_mid_run(services, uid, "iris_logreg", SETOSA)
    async with services.session_factory() as s, s.begin():
        for pid, when in ((crashed_twice, utcnow() - timedelta(hours=1)), (elsewhere, utcnow())):
            await s.execute(update(Prediction).where(Prediction.id == pid).values(recovery_started_at=when))
    await services.close()

    restarted = await build_services(settings, passwords)
    try:
        settled = {o.prediction_id: o for o in await restarted.recover()}
        assert set(settled) == {crashed_twice, crashed_once}
        assert settled[crashed_twice].status == "failed" and settled[crashed_twice].refunded
        assert settled[crashed_once].ok  # its first re-run
        async with restarted.session_factory() as s:
            left = await s.get(Prediction, elsewhere)
            assert left is not None and left.status == "pending"
        assert await balance_of(restarted.session_factory, uid) == Decimal("8")  # 10 - 1 - 1
    finally:
        await restarted.close()


async def test_a_run_is_made_with_the_version_it_was_charged_for(services: Services) -> None:
    """A new version stored between the charge and the model call does not change what runs."""
    uid = await new_user(services)
    await add_model(services, "flip", DecisionTreeClassifier(random_state=0).fit([[0], [1]], [0, 1]))
    first = services.registry.version_of("flip")
    request = _ChargeRequest(uid, "flip", services.predictions.parse("flip", "1"), None, None, first)
    charged = await services.predictions._charge_one(request)
    assert isinstance(charged, _Charged)
    await add_model(services, "flip", DecisionTreeClassifier(random_state=0).fit([[0], [1]], [1, 0]))
    assert services.registry.version_of("flip") != first
    out = await services.predictions._execute(charged.prediction_id, charged.meta, request.parsed)
    assert out.ok and out.result is not None and out.result["label"] == "yes"  # version 1's answer
    async with services.session_factory() as s:
        row = await s.get(Prediction, charged.prediction_id)
        assert row is not None and row.version_id == first
    again = await services.predictions.run(user_id=uid, model_name="flip", values="1")
    assert again.result is not None and again.result["label"] == "no"  # the served one, now
