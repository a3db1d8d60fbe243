"""Paid prediction runs: validate → charge → run in the ML executor → complete, or fail and refund.

The one place where db and ml meet; aiogram-free, it returns data and raises domain errors with
stable codes, and never formats Telegram text.

Exactly-once rules, enforced in SQL and not only in this code:
- the charge, the Prediction row and its Transaction are one transaction; a `request_key`
  (unique) makes a retried or duplicated request return the first run instead of paying again;
- settling moves a prediction out of `pending` with a guarded UPDATE (`WHERE status='pending'`),
  so only one settler wins; a refund is keyed (prediction_id, kind='refund'), unique in the DB.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.errors import DomainError, InsufficientFunds, UserNotFound
from db.ledger import deduct_balance, increase_balance, to_money
from db.models import Model, Prediction, PredictionStatus, Transaction, TxKind, User
from ml.executor import MLExecutor, ModelRunError
from ml.inputs import Value, encode, from_mapping, parse_all
from ml.registry import ModelRegistry, RegistryError
from ml.schema import ModelMeta

log = logging.getLogger(__name__)


class ModelUnavailable(DomainError):
    code = "model_unavailable"


class UserDisabled(DomainError):
    code = "user_disabled"


@dataclass(frozen=True, slots=True)
class Quote:
    meta: ModelMeta
    model_id: int
    cost: Decimal
    balance: Decimal

    @property
    def affordable(self) -> bool:
        return self.balance >= self.cost

    @property
    def balance_after(self) -> Decimal:
        return self.balance - self.cost


@dataclass(frozen=True, slots=True)
class PredictionOutcome:
    prediction_id: int
    user_id: int
    model_name: str
    status: str
    inputs: dict[str, Any]
    result: dict[str, Any] | None
    cost: Decimal  # charged (0 if refunded)
    balance: Decimal  # the user's balance after settling
    refunded: bool = False
    error: str | None = None
    duplicate: bool = False  # this request_key was seen before: nothing was charged now

    @property
    def ok(self) -> bool:
        return self.status == PredictionStatus.COMPLETED


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    items: list[tuple[int, str, dict[str, Any] | None]]  # (prediction id, status, result), in row order
    charged: Decimal  # net of refunds
    balance: Decimal
    duplicate: bool = False

    @property
    def completed(self) -> int:
        return sum(1 for _, status, _ in self.items if status == PredictionStatus.COMPLETED)

    @property
    def failed(self) -> int:
        return sum(1 for _, status, _ in self.items if status == PredictionStatus.FAILED)


def charge_description(meta: ModelMeta) -> str:
    return f"Prediction using model {meta.algorithm} ({meta.name})"


class PredictionService:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        registry: ModelRegistry,
        executor: MLExecutor,
    ) -> None:
        self.session_factory = session_factory
        self.registry = registry
        self.executor = executor

    # -- reading -------------------------------------------------------------------------
    def meta(self, model_name: str) -> ModelMeta:
        try:
            return self.registry.meta(model_name)
        except RegistryError:
            raise ModelUnavailable(f"model {model_name!r} is not available") from None

    async def quote(self, session: AsyncSession, user_id: int, model_name: str) -> Quote:
        """What a run would cost this user now; raises if it cannot run at all."""
        meta = self.meta(model_name)
        user = await session.get(User, user_id)
        if user is None:
            raise UserNotFound(f"user {user_id} not found")
        if user.disabled:
            raise UserDisabled(f"user {user_id} is disabled")
        model = await session.scalar(select(Model).where(Model.name == model_name))
        if model is None or not model.is_active:
            raise ModelUnavailable(f"model {model_name!r} is not available")
        return Quote(meta, model.id, to_money(model.cost), to_money(user.balance))

    async def ensure_loadable(self, model_name: str) -> None:
        """Load (cached after the first time) and verify the model before anyone pays for it."""
        try:
            await self.executor.load(model_name)
        except RegistryError as exc:
            log.error("model %s refused: %s", model_name, exc)
            raise ModelUnavailable(f"model {model_name!r} is not available") from exc

    def parse(self, model_name: str, values: Mapping[str, Any] | str) -> dict[str, Value]:
        meta = self.meta(model_name)
        if isinstance(values, str):
            return parse_all(meta.features, values)
        return from_mapping(meta.features, values)

    # -- the paid run --------------------------------------------------------------------
    async def run(
        self,
        *,
        user_id: int,
        model_name: str,
        values: Mapping[str, Any] | str,
        request_key: str | None = None,
    ) -> PredictionOutcome:
        """Charge, run and settle one prediction. Refusals raise before anything is written:
        InputError, ModelUnavailable, UserNotFound, UserDisabled, InsufficientFunds."""
        parsed = self.parse(model_name, values)
        await self.ensure_loadable(model_name)
        if request_key is not None:
            request_key = f"{user_id}:{request_key}"[:128]  # keys of different users never meet
        try:
            charged = await self._charge(user_id, model_name, parsed, request_key)
        except IntegrityError:
            # Another request with the same key won the race: report its run.
            assert request_key is not None
            existing = await self._by_request_key(request_key)
            if existing is None:
                raise
            return existing
        if isinstance(charged, PredictionOutcome):
            return charged
        prediction_id, meta = charged
        return await self._execute(prediction_id, meta, parsed)

    async def _charge(
        self,
        user_id: int,
        model_name: str,
        parsed: dict[str, Value],
        request_key: str | None,
    ) -> tuple[int, ModelMeta] | PredictionOutcome:
        async with self.session_factory() as session, session.begin():
            if request_key is not None:
                existing = await session.scalar(
                    select(Prediction).where(Prediction.request_key == request_key)
                )
                if existing is not None:
                    return await self._outcome(session, existing, duplicate=True)
            quote = await self.quote(session, user_id, model_name)
            if not quote.affordable:
                raise InsufficientFunds(quote.balance, quote.cost)
            [prediction] = await self._insert_and_charge(session, user_id, quote, [parsed], [request_key])
            log.info(
                "prediction %d charged: user %d model %s cost %s",
                prediction.id,
                user_id,
                model_name,
                quote.cost,
            )
            return prediction.id, quote.meta

    @staticmethod
    async def _insert_and_charge(
        session: AsyncSession,
        user_id: int,
        quote: Quote,
        rows: Sequence[Mapping[str, Value]],
        keys: Sequence[str | None],
    ) -> list[Prediction]:
        """Pending Prediction rows, each with its own charge linked to it (caller's transaction)."""
        predictions = [
            Prediction(
                user_id=user_id,
                model_id=quote.model_id,
                input_data=dict(values),
                status=PredictionStatus.PENDING,
                request_key=key,
            )
            for values, key in zip(rows, keys, strict=True)
        ]
        session.add_all(predictions)
        await session.flush()
        if quote.cost > 0:
            for prediction in predictions:
                await deduct_balance(
                    session,
                    user_id,
                    quote.cost,
                    charge_description(quote.meta),
                    prediction_id=prediction.id,
                    kind=TxKind.CHARGE,
                )
        return predictions

    async def _execute(
        self, prediction_id: int, meta: ModelMeta, parsed: Mapping[str, Value]
    ) -> PredictionOutcome:
        try:
            result = (await self.executor.predict(meta.name, [encode(meta.features, parsed)]))[0]
        except (ModelRunError, RegistryError) as exc:
            log.warning("prediction %d failed: %s", prediction_id, exc)
            return await self.fail(prediction_id, str(exc) or exc.__class__.__name__)
        except Exception as exc:
            log.exception("prediction %d crashed", prediction_id)
            return await self.fail(prediction_id, f"internal error ({exc.__class__.__name__})")
        return await self.complete(prediction_id, result)

    # -- settling (each exactly once) ----------------------------------------------------
    async def complete(self, prediction_id: int, result: dict[str, Any]) -> PredictionOutcome:
        async with self.session_factory() as session, session.begin():
            await session.execute(
                update(Prediction)
                .where(Prediction.id == prediction_id, Prediction.status == PredictionStatus.PENDING)
                .values(status=PredictionStatus.COMPLETED, result=result)
            )
            prediction = await session.get(Prediction, prediction_id, populate_existing=True)
            assert prediction is not None
            return await self._outcome(session, prediction)

    async def fail(self, prediction_id: int, reason: str) -> PredictionOutcome:
        """Mark failed and refund the charge; a second call changes nothing."""
        async with self.session_factory() as session, session.begin():
            user_id = await session.scalar(
                update(Prediction)
                .where(Prediction.id == prediction_id, Prediction.status == PredictionStatus.PENDING)
                .values(status=PredictionStatus.FAILED, result={"error": reason[:500]})
                .returning(Prediction.user_id)
            )
            if user_id is not None:
                charge = await session.scalar(
                    select(Transaction.amount).where(
                        Transaction.prediction_id == prediction_id,
                        Transaction.kind == TxKind.CHARGE,
                    )
                )
                if charge:
                    await increase_balance(
                        session,
                        user_id,
                        to_money(-charge),
                        f"Refund: prediction #{prediction_id} failed",
                        prediction_id=prediction_id,
                        kind=TxKind.REFUND,
                    )
                    log.info(
                        "prediction %d refunded %s to user %d", prediction_id, to_money(-charge), user_id
                    )
            prediction = await session.get(Prediction, prediction_id, populate_existing=True)
            assert prediction is not None
            return await self._outcome(session, prediction)

    async def recover_pending(self) -> list[PredictionOutcome]:
        """Settle predictions left `pending` (a crash or a stop mid-run): re-run each when its
        model is available, else fail and refund. Safe to run concurrently with live runs."""
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    select(Prediction.id, Prediction.input_data, Model.name)
                    .join(Model, Model.id == Prediction.model_id)
                    .where(Prediction.status == PredictionStatus.PENDING)
                    .order_by(Prediction.id)
                )
            ).all()
        settled = []
        for prediction_id, input_data, model_name in rows:
            try:
                meta = self.registry.meta(model_name)
                parsed = from_mapping(meta.features, input_data or {})
            except Exception as exc:
                settled.append(await self.fail(prediction_id, f"interrupted; not re-run: {exc}"))
                continue
            settled.append(await self._execute(prediction_id, meta, parsed))
        if settled:
            log.info("recovered %d pending prediction(s)", len(settled))
        return settled

    async def lookup(self, user_id: int, request_key: str) -> PredictionOutcome | None:
        """The run made earlier with this key (a double tap, a replayed update), if any."""
        return await self._by_request_key(f"{user_id}:{request_key}"[:128])

    # -- batches -------------------------------------------------------------------------
    async def run_batch(
        self,
        *,
        user_id: int,
        model_name: str,
        rows: Sequence[Mapping[str, Value]],
        request_key: str,
    ) -> BatchOutcome:
        """Charge and run many validated rows: one Prediction and one charge per row, all in one
        transaction; one model call for all; each row settled (or refunded) on its own."""
        meta = self.meta(model_name)
        parsed = [from_mapping(meta.features, r) for r in rows]
        if not parsed:
            raise ValueError("empty batch")
        await self.ensure_loadable(model_name)
        base = f"{user_id}:{request_key}"[:100]
        keys = [f"{base}#{i}" for i in range(len(parsed))]
        try:
            ids = await self._charge_batch(user_id, model_name, parsed, keys)
        except IntegrityError:
            ids = None
        if ids is None:  # seen before: report that run
            return await self._batch_outcome(keys, duplicate=True)
        try:
            results: list[dict[str, Any] | Exception] = list(
                await self.executor.predict(model_name, [encode(meta.features, p) for p in parsed])
            )
        except Exception as exc:
            # One bad row must not sink the others: retry row by row.
            log.warning("batch for %s failed as a whole (%s); retrying row by row", model_name, exc)
            results = []
            for p in parsed:
                try:
                    results.append((await self.executor.predict(model_name, [encode(meta.features, p)]))[0])
                except Exception as row_exc:
                    results.append(row_exc)
        await self._settle_many(dict(zip(ids, results, strict=True)))
        return await self._batch_outcome(keys)

    async def _charge_batch(
        self, user_id: int, model_name: str, parsed: list[dict[str, Value]], keys: list[str]
    ) -> list[int] | None:
        async with self.session_factory() as session, session.begin():
            if await session.scalar(select(Prediction.id).where(Prediction.request_key == keys[0])):
                return None
            quote = await self.quote(session, user_id, model_name)
            total = quote.cost * len(parsed)
            if quote.balance < total:
                raise InsufficientFunds(quote.balance, total)
            predictions = await self._insert_and_charge(session, user_id, quote, parsed, keys)
            log.info(
                "batch of %d charged: user %d model %s total %s", len(predictions), user_id, model_name, total
            )
            return [p.id for p in predictions]

    async def _settle_many(self, results: Mapping[int, dict[str, Any] | Exception]) -> None:
        async with self.session_factory() as session, session.begin():
            for prediction_id, result in results.items():
                if not isinstance(result, Exception):
                    await session.execute(
                        update(Prediction)
                        .where(Prediction.id == prediction_id, Prediction.status == PredictionStatus.PENDING)
                        .values(status=PredictionStatus.COMPLETED, result=result)
                    )
        for prediction_id, result in results.items():
            if isinstance(result, Exception):
                await self.fail(prediction_id, str(result) or type(result).__name__)

    async def _batch_outcome(self, keys: list[str], duplicate: bool = False) -> BatchOutcome:
        async with self.session_factory() as session:
            predictions = {
                p.request_key: p
                for p in await session.scalars(select(Prediction).where(Prediction.request_key.in_(keys)))
            }
            ordered = [predictions[k] for k in keys if k in predictions]
            ids = [p.id for p in ordered]
            net = (
                await session.scalar(
                    select(func.coalesce(func.sum(Transaction.amount), 0.0)).where(
                        Transaction.prediction_id.in_(ids)
                    )
                )
                if ids
                else 0.0
            )
            user_id = ordered[0].user_id if ordered else None
            balance = await session.scalar(select(User.balance).where(User.id == user_id))
        return BatchOutcome(
            items=[(p.id, p.status, p.result if isinstance(p.result, dict) else None) for p in ordered],
            charged=-to_money(net or 0.0),
            balance=to_money(balance or 0.0),
            duplicate=duplicate,
        )

    # -- helpers -------------------------------------------------------------------------
    async def _by_request_key(self, request_key: str) -> PredictionOutcome | None:
        async with self.session_factory() as session:
            prediction = await session.scalar(select(Prediction).where(Prediction.request_key == request_key))
            if prediction is None:
                return None
            return await self._outcome(session, prediction, duplicate=True)

    async def _outcome(
        self, session: AsyncSession, prediction: Prediction, duplicate: bool = False
    ) -> PredictionOutcome:
        txs = (
            await session.execute(
                select(Transaction.kind, Transaction.amount).where(Transaction.prediction_id == prediction.id)
            )
        ).all()
        net = sum((to_money(a) for _, a in txs), Decimal(0))
        balance = await session.scalar(select(User.balance).where(User.id == prediction.user_id))
        model_name = await session.scalar(select(Model.name).where(Model.id == prediction.model_id))
        result = prediction.result if isinstance(prediction.result, dict) else None
        failed = prediction.status == PredictionStatus.FAILED
        return PredictionOutcome(
            prediction_id=prediction.id,
            user_id=prediction.user_id,
            model_name=model_name or "",
            status=prediction.status,
            inputs=dict(prediction.input_data or {}),
            result=None if failed else result,
            cost=-net,
            balance=to_money(balance or 0.0),
            refunded=any(k == TxKind.REFUND for k, _ in txs),
            error=(result or {}).get("error") if failed else None,
            duplicate=duplicate,
        )


async def register_catalogue(
    session: AsyncSession,
    metas: Mapping[str, ModelMeta],
    costs: Mapping[str, float],
    default_cost: float = 1.0,
) -> list[str]:
    """Insert Models rows for registry models that have none; returns the names added."""
    existing = set((await session.scalars(select(Model.name))).all())
    added = []
    for name, meta in metas.items():
        if name in existing:
            continue
        cost = to_money(costs.get(name, default_cost))
        session.add(Model(name=name, cost=float(cost), file_path=meta.file, is_active=True))
        added.append(name)
    await session.flush()
    return added
