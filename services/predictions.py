"""Paid prediction runs: validate → charge → run in the ML executor → complete, or fail and refund.

Where paid runs meet db and ml; aiogram-free, it returns data and raises domain errors with
stable codes, and never formats Telegram text.

Exactly-once rules, enforced in SQL and not only in this code:
- the charge, the Prediction row and its Transaction are one transaction; a `request_key`
  (unique) makes a retried or duplicated request return the first run instead of paying again;
- settling moves a prediction out of `pending` with a guarded UPDATE (`WHERE status='pending'`),
  so only one settler wins; a refund is keyed (prediction_id, kind='refund'), unique in the DB.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import JSON, Table, bindparam, delete, func, null, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import catalogue
from db.bulk import insert_ids, rounds
from db.errors import DomainError, InsufficientFunds, UserNotFound
from db.ledger import Debit, deduct_balances, increase_balance, to_money
from db.models import Model, Prediction, PredictionStatus, Transaction, TxKind, User, utcnow
from db.queries import user_prediction
from grouping import Coalescer
from ml import formats
from ml.executor import MLExecutor, ModelOutputError, ModelRunError, ModelTimeout, Result, check_output
from ml.inputs import InputError, Value, encode, from_mapping, parse_all, parse_step
from ml.registry import ModelNotFound, ModelRegistry, RegistryError
from ml.schema import ModelMeta

# The types a handler of this use case sees (it imports them from here, never from db/ or ml/).
__all__ = [
    "BatchOutcome",
    "InputError",
    "InsufficientFunds",
    "ModelChanged",
    "ModelMeta",
    "ModelUnavailable",
    "PredictionOutcome",
    "PredictionService",
    "PriceChanged",
    "Quote",
    "RecoveryNotice",
    "Rerun",
    "UserDisabled",
    "Value",
]

log = logging.getLogger(__name__)

# Concurrent runs are charged, and settled, in groups of up to this many per transaction.
GROUP_MAX = 500
# A CSV batch runs this many rows per model call, reporting its progress after each part.
BATCH_CHUNK = 250
# predictions.notice: recovery settled the run after a stop and its user is yet to be told
# ('due'); one process claimed it for the user's summary ('sent').
NOTICE_DUE = "due"
NOTICE_SENT = "sent"
# What the user sees when a result could not be stored (the log has the cause).
NOT_STORED = "the result could not be stored"


class ModelUnavailable(DomainError):
    code = "model_unavailable"


class ModelChanged(ModelUnavailable):
    """The model was replaced (or rolled back) since this run's inputs were read: nothing was
    charged; the user starts again with the version now served."""

    code = "model_changed"


@dataclass(frozen=True, slots=True)
class Installed:
    meta: ModelMeta
    number: int
    previous: int | None  # the version it replaced (None: a new model)


def version_meta(row: catalogue.VersionRow) -> ModelMeta:
    """A stored version's metadata; its SHA-256 and number are the row's, whatever the JSON says."""
    return ModelMeta.model_validate({**row.meta, "sha256": row.sha256, "version": str(row.number)})


class UserDisabled(DomainError):
    code = "user_disabled"


class PriceChanged(DomainError):
    """The model costs more now than the price the user confirmed: nothing was charged."""

    code = "price_changed"

    def __init__(self, quoted: Decimal, current: Decimal) -> None:
        super().__init__(f"price changed: confirmed {quoted}, now {current}")
        self.quoted = quoted
        self.current = current


@dataclass(frozen=True, slots=True)
class Quote:
    meta: ModelMeta
    model_id: int
    cost: Decimal
    balance: Decimal
    version_id: int | None = None  # the model version served when quoted

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


@dataclass(frozen=True, slots=True)
class RecoveryNotice:
    """What to tell one user about their runs that recovery settled after a stop."""

    user_id: int
    completed: int
    refunded: int  # failed, and given back
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Rerun:
    """An earlier run's model and inputs, read again for the version served now."""

    meta: ModelMeta
    values: dict[str, Value] | None  # None: they no longer fit the model (`error` says why)
    error: InputError | None = None


@dataclass(frozen=True, slots=True)
class _ChargeRequest:
    user_id: int
    model_name: str
    parsed: dict[str, Value]
    request_key: str | None
    max_cost: Decimal | None = None  # the price the user confirmed; never charge more
    version_id: int | None = None  # the model version its inputs were read for


_Completion = tuple[int, dict[str, Any], dict[str, Any] | None]  # prediction id, result, its inputs


@dataclass(frozen=True, slots=True)
class _Charged:
    prediction_id: int
    meta: ModelMeta


def _batch_stopper(results: Sequence[object]) -> Exception | None:
    """The error among a batch part's results that ends the batch: a timeout, or a failure that
    is not the model's (its file gone). A row the model refused (ModelRunError) fails alone."""
    for r in results:
        if isinstance(r, ModelTimeout) or (isinstance(r, Exception) and not isinstance(r, ModelRunError)):
            return r
    return None


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
        executor.fetch = self.fetch_file
        # Group commit: concurrent runs share the charge transaction and the settle transaction.
        self._charges: Coalescer[_ChargeRequest, _Charged | PredictionOutcome] = Coalescer(
            self._charge_requests, GROUP_MAX, name="charge"
        )
        self._completions: Coalescer[_Completion, PredictionOutcome] = Coalescer(
            self._complete_many, GROUP_MAX, name="complete"
        )

    # -- the catalogue: versions in the database, shared by every process ---------------------
    async def refresh(self, session: AsyncSession, complete: bool = False) -> None:
        """Learn the versions made current (here or by another process) since we last looked:
        one small query when nothing changed. `complete`: also forget models no longer served."""
        rows = await catalogue.current_versions(session, None if complete else self.registry.versions())
        current: dict[str, tuple[int, ModelMeta]] = {}
        for row in rows:
            try:
                current[row.model_name] = row.id, version_meta(row)
            except (ValueError, TypeError) as exc:  # not valid, or not even an object
                log.error("model %s v%d has unreadable metadata: %s", row.model_name, row.number, exc)
        self.registry.update(current, complete=complete)

    async def fetch_served_files(self) -> dict[str, bytes]:
        """The files of every version this process serves, in one read."""
        shas = sorted({meta.sha256 for meta in self.registry.metas().values()})
        async with self.session_factory() as session:
            return await catalogue.files_bytes(session, shas) if shas else {}

    async def fetch_file(self, sha256: str) -> bytes:
        async with self.session_factory() as session:
            data = await catalogue.file_bytes(session, sha256)
        if data is None:
            raise ModelNotFound(f"model file {sha256[:16]} is not stored")
        return data

    async def install(
        self,
        meta: ModelMeta,
        data: bytes,
        cost: Decimal | None,
        created_by: str | None,
        default_cost: Decimal = Decimal(0),
    ) -> Installed:
        """Store `data` as the next version of `meta.name` and serve it on every process (a new
        model costs `cost`, or `default_cost` without one; a replaced one keeps its cost unless
        `cost` is given)."""
        async with self.session_factory() as session, session.begin():
            row, previous = await catalogue.add_version(
                session,
                name=meta.name,
                meta=meta.model_dump(mode="json"),
                data=data,
                sha256=meta.sha256,
                fmt=formats.FORMAT,
                cost=cost,
                created_by=created_by,
                new_cost=default_cost,
            )
        served = version_meta(row)
        self.registry.update({meta.name: (row.id, served)})
        return Installed(served, row.number, previous)

    async def serve_version(self, name: str, number: int) -> ModelMeta | None:
        """Serve version `number` of `name` (roll back, or forward again); None if no such one."""
        async with self.session_factory() as session, session.begin():
            row = await catalogue.serve_version(session, name, number)
            if row is None:
                return None
            served = version_meta(row)  # unreadable metadata (ValueError): nothing switched
        self.registry.update({name: (row.id, served)})
        return served

    # -- reading -------------------------------------------------------------------------
    def meta(self, model_name: str) -> ModelMeta:
        try:
            return self.registry.meta(model_name)
        except RegistryError:
            raise ModelUnavailable(f"model {model_name!r} is not available") from None

    async def quote(self, session: AsyncSession, user_id: int, model_name: str) -> Quote:
        """What a run would cost this user now; raises if it cannot run at all."""
        user = await session.get(User, user_id)
        model = await session.scalar(select(Model).where(Model.name == model_name))
        if model is not None and model.version_id != self.registry.version_of(model_name):
            await self.refresh(session)  # replaced or rolled back elsewhere: serve what is current
        meta = self.meta(model_name)
        return self._quote(meta, user_id, user, model)

    @staticmethod
    def _quote(meta: ModelMeta, user_id: int, user: Any, model: Any) -> Quote:
        """`user` and `model`: rows (or ORM objects) with balance/disabled and id/cost/is_active."""
        if user is None:
            raise UserNotFound(f"user {user_id} not found")
        if user.disabled:
            raise UserDisabled(f"user {user_id} is disabled")
        if model is None or not model.is_active:
            raise ModelUnavailable(f"model {meta.name!r} is not available")
        if model.version_id is None:
            raise ModelUnavailable(f"model {meta.name!r} has no stored version")
        return Quote(meta, model.id, to_money(model.cost), to_money(user.balance), model.version_id)

    @staticmethod
    def _chargeable(quote: Quote, max_cost: Decimal | None, count: int = 1) -> None:
        """Refuse a charge above the confirmed price (checked on the cost read in the charging
        transaction, the one that is debited) or above the balance; a lower price is simply
        charged."""
        if max_cost is not None and quote.cost > max_cost:
            raise PriceChanged(max_cost, quote.cost)
        if quote.balance < quote.cost * count:
            raise InsufficientFunds(quote.balance, quote.cost * count)

    def _same_version(self, quote: Quote, version_id: int | None) -> None:
        """Inputs read for the version served before a replace or roll-back are not charged; and
        `quote.meta` is that version's (the database and this process agree on it)."""
        if quote.version_id != version_id or self.registry.version_of(quote.meta.name) != version_id:
            raise ModelChanged(f"model {quote.meta.name!r} was replaced")

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

    # -- the dialog before a run -----------------------------------------------------------
    def meta_or_none(self, model_name: str | None) -> ModelMeta | None:
        """The served model's metadata; None if it is not served (no database: cheap)."""
        try:
            return self.registry.meta(model_name or "")
        except Exception:
            return None

    @staticmethod
    def read_step(meta: ModelMeta, index: int, text: str) -> dict[str, Value]:
        """The value(s) typed at step `index` (all of them, pasted at once); InputError if not."""
        return parse_step(meta.features, index, text)

    async def quote_now(self, user_id: int, model_name: str) -> Quote:
        """`quote`, in its own transaction."""
        async with self.session_factory() as session, session.begin():
            return await self.quote(session, user_id, model_name)

    async def confirm_quote(self, user_id: int, model_name: str) -> Quote:
        """The quote a confirmation screen shows, for the version served now (the one the inputs
        were read for): ModelChanged if another process replaced it meanwhile."""
        version = self.registry.version_of(model_name)
        quote = await self.quote_now(user_id, model_name)
        if quote.version_id != version:
            raise ModelChanged(model_name)
        return quote

    async def rerun(self, user_id: int, prediction_id: int) -> Rerun:
        """The model and inputs of this user's earlier run, to run again; ModelUnavailable if
        there is no such run or its model is not served."""
        async with self.session_factory() as session, session.begin():
            found = await user_prediction(session, user_id, prediction_id)
        meta = self.meta_or_none(found[1]) if found else None
        if found is None or meta is None:
            raise ModelUnavailable(f"prediction {prediction_id} cannot be repeated")
        try:
            return Rerun(meta, from_mapping(meta.features, found[0].input_data or {}))
        except InputError as exc:  # the model's inputs changed since
            return Rerun(meta, None, exc)

    # -- the paid run --------------------------------------------------------------------
    async def run(
        self,
        *,
        user_id: int,
        model_name: str,
        values: Mapping[str, Any] | str,
        request_key: str | None = None,
        max_cost: Decimal | None = None,
        model_version: int | None = None,
    ) -> PredictionOutcome:
        """Charge, run and settle one prediction. Refusals raise before anything is written:
        InputError, ModelUnavailable, UserNotFound, UserDisabled, PriceChanged (the model costs
        more than `max_cost`, the price the user confirmed), ModelChanged (the version served is
        not `model_version`, the one the user entered the values for), InsufficientFunds. The
        run uses the version it was charged for, whatever is served by the time it runs."""
        version = self.registry.version_of(model_name)  # the version `parsed` is read for
        if model_version is not None and version != model_version:
            raise ModelChanged(f"model {model_name!r} was replaced during the dialog")
        parsed = self.parse(model_name, values)
        await self.ensure_loadable(model_name)
        if request_key is not None:
            request_key = f"{user_id}:{request_key}"[:128]  # keys of different users never meet
        charged = await self._charges(
            _ChargeRequest(user_id, model_name, parsed, request_key, max_cost, version)
        )
        if isinstance(charged, PredictionOutcome):
            return charged
        return await self._execute(charged.prediction_id, charged.meta, parsed)

    # -- charging, many runs per transaction -------------------------------------------------
    async def _charge_requests(
        self, requests: list[_ChargeRequest]
    ) -> list[_Charged | PredictionOutcome | BaseException]:
        """Charge a group of concurrent runs; each gets its own result or refusal."""
        out: dict[int, _Charged | PredictionOutcome | BaseException] = {}
        # One run per user per transaction: a user's second run (a double tap with the same key
        # among them) sees the first one's charge and key.
        for now in rounds(len(requests), lambda i: requests[i].user_id):
            try:
                out.update(await self._charge_group([(i, requests[i]) for i in now]))
            except IntegrityError:
                # A request key raced in from elsewhere (another process): one by one, each run
                # learns its own fate.
                log.info("charge group of %d hit a duplicate key; charging one by one", len(now))
                for i in now:
                    try:
                        out[i] = await self._charge_one(requests[i])
                    except Exception as exc:
                        out[i] = exc
        return [out[i] for i in range(len(requests))]

    async def _charge_group(
        self, items: list[tuple[int, _ChargeRequest]]
    ) -> dict[int, _Charged | PredictionOutcome | BaseException]:
        out: dict[int, _Charged | PredictionOutcome | BaseException] = {}
        seen: set[str | None] = set()
        async with self.session_factory() as session, session.begin():
            keys = [r.request_key for _, r in items if r.request_key is not None]
            if keys:
                found = await session.scalars(
                    select(Prediction.request_key).where(Prediction.request_key.in_(keys))
                )
                seen = set(found.all())
            models = {
                row.name: row
                for row in await session.execute(
                    select(Model.id, Model.name, Model.cost, Model.is_active, Model.version_id).where(
                        Model.name.in_({r.model_name for _, r in items})
                    )
                )
            }
            users = {
                row.id: row
                for row in await session.execute(
                    select(User.id, User.balance, User.disabled).where(
                        User.id.in_({r.user_id for _, r in items})
                    )
                )
            }
            accepted: list[tuple[int, _ChargeRequest, Quote]] = []
            for i, r in items:
                if r.request_key in seen:
                    continue  # reported below, once this transaction is over
                try:
                    quote = self._quote(
                        self.meta(r.model_name), r.user_id, users.get(r.user_id), models.get(r.model_name)
                    )
                    self._chargeable(quote, r.max_cost)  # each request's own confirmed price
                    self._same_version(quote, r.version_id)
                except DomainError as exc:
                    out[i] = exc
                    continue
                accepted.append((i, r, quote))
            if accepted:
                out.update(await self._insert_and_charge_each(session, accepted))
        for i, r in items:
            if r.request_key in seen:
                out[i] = await self._existing(r.request_key)
        return out

    async def _insert_and_charge_each(
        self, session: AsyncSession, accepted: list[tuple[int, _ChargeRequest, Quote]]
    ) -> dict[int, _Charged | BaseException]:
        """Pending rows and their charges (caller's transaction). A run whose charge is refused
        (its balance changed meanwhile) gets InsufficientFunds and leaves no row behind."""
        ids = await self._insert_pending(
            session, [(r.user_id, q.model_id, r.parsed, r.request_key, q.version_id) for _, r, q in accepted]
        )
        paid = [(pid, entry) for pid, entry in zip(ids, accepted, strict=True) if entry[2].cost > 0]
        charges = await deduct_balances(
            session,
            [
                Debit(r.user_id, q.cost, charge_description(q.meta), pid, TxKind.CHARGE)
                for pid, (_, r, q) in paid
            ],
        )
        refused = {
            pid: err for (pid, _), err in zip(paid, charges, strict=True) if isinstance(err, DomainError)
        }
        if refused:
            await session.execute(delete(Prediction).where(Prediction.id.in_(refused)))
        out: dict[int, _Charged | BaseException] = {}
        for pid, (i, r, q) in zip(ids, accepted, strict=True):
            if pid in refused:
                out[i] = refused[pid]
                continue
            out[i] = _Charged(pid, q.meta)
            log.info("prediction %d charged: user %d model %s cost %s", pid, r.user_id, r.model_name, q.cost)
        return out

    @staticmethod
    async def _insert_pending(
        session: AsyncSession,
        rows: Sequence[tuple[int, int, Mapping[str, Value], str | None, int | None]],
        batch_key: str | None = None,
    ) -> list[int]:
        """Insert pending Prediction rows (user id, model id, inputs, key, model version); their
        ids, in order. `batch_key`: the CSV batch they make up."""
        table = Prediction.__table__
        assert isinstance(table, Table)
        return await insert_ids(
            session,
            table,
            [
                {
                    "user_id": user_id,
                    "model_id": model_id,
                    "input_data": dict(values),
                    "status": PredictionStatus.PENDING,
                    "request_key": key,
                    "version_id": version_id,
                    "batch_key": batch_key,
                }
                for user_id, model_id, values, key, version_id in rows
            ],
            match=("request_key", "user_id"),
        )

    async def _charge_one(self, r: _ChargeRequest) -> _Charged | PredictionOutcome:
        """One run in its own transaction (the fallback when a group cannot be charged as one)."""
        try:
            async with self.session_factory() as session, session.begin():
                if r.request_key is not None:
                    pid = await session.scalar(
                        select(Prediction.id).where(Prediction.request_key == r.request_key)
                    )
                    if pid is not None:
                        return (await self._outcomes(session, [pid], duplicate=True))[pid]
                quote = await self.quote(session, r.user_id, r.model_name)
                self._chargeable(quote, r.max_cost)
                self._same_version(quote, r.version_id)
                [charged] = (await self._insert_and_charge_each(session, [(0, r, quote)])).values()
                if isinstance(charged, BaseException):
                    raise charged
                return charged
        except IntegrityError:
            if r.request_key is None:
                raise
            return await self._existing(r.request_key)  # the same key won the race elsewhere

    async def _existing(self, request_key: str | None) -> PredictionOutcome:
        found = await self._by_request_key(request_key) if request_key is not None else None
        if found is None:
            raise RuntimeError(f"request {request_key!r} vanished")
        return found

    async def _execute(
        self, prediction_id: int, meta: ModelMeta, parsed: Mapping[str, Value]
    ) -> PredictionOutcome:
        try:
            result = (await self.executor.predict(meta.name, [encode(meta.features, parsed)], meta))[0]
        except (ModelRunError, RegistryError) as exc:
            log.warning("prediction %d failed: %s", prediction_id, exc)
            return await self.fail(prediction_id, str(exc) or exc.__class__.__name__)
        except Exception:
            log.exception("prediction %d crashed", prediction_id)
            return await self.fail(prediction_id, "internal error")  # the log has the cause
        return await self._completions((prediction_id, result, dict(parsed)))

    # -- settling (each exactly once) ----------------------------------------------------
    async def complete(self, prediction_id: int, result: dict[str, Any]) -> PredictionOutcome:
        """Store the result; concurrent completions share one transaction."""
        return await self._completions((prediction_id, result, None))

    async def _complete_many(self, items: list[_Completion]) -> list[PredictionOutcome | BaseException]:
        """Settle a group of completed runs, one outcome (or exception) each. A result that is not
        strict JSON fails its run (refunded); if the group cannot be stored as one (for any reason),
        each run is stored in its own transaction, so one bad row never strands the others."""
        out: dict[int, PredictionOutcome | BaseException] = {}
        good: list[_Completion] = []
        for item in items:
            try:
                check_output(item[1])
                good.append(item)
            except ModelOutputError as exc:
                log.warning("prediction %d: %s", item[0], exc)
                out[item[0]] = await self._fail_or_leave(item[0], str(exc))
        if good:
            try:
                out.update(await self._store_results(good))
            except Exception:
                log.exception("settling %d completion(s) as one failed; settling each alone", len(good))
                for item in good:
                    out.update(await self._store_alone(item))
        return [out[pid] for pid, _, _ in items]

    async def _store_results(
        self, items: Sequence[_Completion], notice: str | None = None
    ) -> dict[int, PredictionOutcome]:
        """Completed runs' results and outcomes, in one transaction."""
        table = Prediction.__table__
        assert isinstance(table, Table)
        async with self.session_factory() as session, session.begin():
            # One guarded UPDATE per row, sent as one executemany: a row settled elsewhere stays.
            await session.execute(
                update(table)
                .where(table.c.id == bindparam("pid"), table.c.status == PredictionStatus.PENDING)
                .values(
                    status=PredictionStatus.COMPLETED, result=bindparam("res", type_=JSON), notice=notice
                ),
                [{"pid": pid, "res": result} for pid, result, _ in items],
            )
            known = {pid: inputs for pid, _, inputs in items if inputs is not None}
            return await self._outcomes(session, [pid for pid, _, _ in items], inputs=known)

    async def _store_alone(
        self, item: _Completion, notice: str | None = None
    ) -> dict[int, PredictionOutcome | BaseException]:
        """One run's result in its own transaction; if even that fails, the run fails (refunded)."""
        pid = item[0]
        try:
            return dict(await self._store_results([item], notice))
        except Exception:
            log.exception("prediction %d: result not stored; failing it", pid)
            return {pid: await self._fail_or_leave(pid, NOT_STORED, notice)}

    async def _fail_or_leave(
        self, prediction_id: int, reason: str, notice: str | None = None
    ) -> PredictionOutcome | BaseException:
        """`fail`, or (the database refusing that too) the error: the run stays pending and is
        settled at the next start, and no other run is affected."""
        try:
            return await self.fail(prediction_id, reason, notice=notice)
        except Exception as exc:
            log.exception("prediction %d could not be failed; left pending for recovery", prediction_id)
            return exc

    async def fail(self, prediction_id: int, reason: str, *, notice: str | None = None) -> PredictionOutcome:
        """Mark failed and refund the charge; a second call changes nothing. `notice`: set on
        the row by the same guarded UPDATE (recovery marks the runs it settles)."""
        async with self.session_factory() as session, session.begin():
            user_id = await session.scalar(
                update(Prediction)
                .where(Prediction.id == prediction_id, Prediction.status == PredictionStatus.PENDING)
                .values(status=PredictionStatus.FAILED, result={"error": reason[:500]}, notice=notice)
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
            return (await self._outcomes(session, [prediction_id]))[prediction_id]

    # -- recovery after a stop -----------------------------------------------------------------
    async def pending_ids(self) -> list[int]:
        """Runs pending now. Read at start-up, before serving: recovery handles these and never a
        run started by this process (that one is settled by its own run)."""
        async with self.session_factory() as session:
            found = await session.scalars(
                select(Prediction.id)
                .where(Prediction.status == PredictionStatus.PENDING)
                .order_by(Prediction.id)
            )
            return list(found.all())

    async def recover_pending(self, ids: Sequence[int] | None = None) -> list[PredictionOutcome]:
        """Settle predictions left `pending` by a stop (`ids`, default: all pending now): re-run
        each when its model is available, else fail and refund. Each is settled on its own
        (transaction and error handling): one that cannot be settled is logged and left pending
        for the next start, and never stops the others. Runs this call settles are marked for
        the user's summary (notice 'due'), by the guarded UPDATE that settles them, so when
        several processes recover at once, only the one that settled a run marks it. Safe to run
        concurrently with live runs. Returns the outcomes of the runs it found still pending."""
        if ids is None:
            ids = await self.pending_ids()
        settled: list[PredictionOutcome] = []
        for start in range(0, len(ids), GROUP_MAX):
            async with self.session_factory() as session:
                rows = (
                    await session.execute(
                        select(
                            Prediction.id,
                            Prediction.input_data,
                            Model.name,
                            Prediction.version_id,
                            Prediction.recovery_started_at,
                        )
                        .join(Model, Model.id == Prediction.model_id)
                        .where(
                            Prediction.id.in_(ids[start : start + GROUP_MAX]),
                            Prediction.status == PredictionStatus.PENDING,  # not settled meanwhile
                        )
                        .order_by(Prediction.id)
                    )
                ).all()
            for prediction_id, input_data, model_name, version_id, started in rows:
                try:
                    outcome = await self._recover_one(
                        prediction_id, model_name, input_data, version_id, started
                    )
                    if outcome is not None:
                        settled.append(outcome)
                except Exception:
                    log.exception("prediction %d not recovered; left for the next start", prediction_id)
        if settled:
            log.info("recovered %d pending prediction(s)", len(settled))
        return settled

    async def _recover_one(
        self,
        prediction_id: int,
        model_name: str,
        input_data: Any,
        version_id: int | None,
        started: datetime | None,
    ) -> PredictionOutcome | None:
        """Re-run one interrupted run on the version it was charged for, once: the re-run is
        noted first, so a re-run that never finished (the model took the process down) is failed
        and refunded at the next start instead of taking it down again. None: another process
        is re-running it now."""
        if not await self._claim_recovery(prediction_id):
            if started is None or utcnow() - started < self._recovery_grace():
                # settled meanwhile, or being re-run elsewhere (if that process dies, a later
                # start settles it)
                return None
            log.warning("prediction %d: its re-run after a stop never finished; refunding", prediction_id)
            return await self.fail(prediction_id, "interrupted twice; not re-run", notice=NOTICE_DUE)
        try:
            meta = await self._charged_meta(model_name, version_id)
            parsed = from_mapping(meta.features, input_data or {})
        except Exception as exc:
            return await self.fail(prediction_id, f"interrupted; not re-run: {exc}", notice=NOTICE_DUE)
        try:
            [result] = await self.executor.predict(meta.name, [encode(meta.features, parsed)], meta)
        except (ModelRunError, RegistryError) as exc:
            log.warning("prediction %d failed on recovery: %s", prediction_id, exc)
            return await self.fail(prediction_id, str(exc) or type(exc).__name__, notice=NOTICE_DUE)
        except Exception:
            log.exception("prediction %d crashed on recovery", prediction_id)
            return await self.fail(prediction_id, "internal error", notice=NOTICE_DUE)
        stored = (await self._store_alone((prediction_id, result, dict(parsed)), NOTICE_DUE))[prediction_id]
        if isinstance(stored, BaseException):
            raise stored
        return stored

    def _recovery_grace(self) -> timedelta:
        """How long another process's re-run may take before it is taken for dead."""
        return timedelta(seconds=max(60.0, 3 * self.executor.timeout))

    async def _claim_recovery(self, prediction_id: int) -> bool:
        """Note the re-run (guarded: once per run); False if it was noted before."""
        async with self.session_factory() as session, session.begin():
            claimed = await session.execute(
                update(Prediction)
                .where(
                    Prediction.id == prediction_id,
                    Prediction.status == PredictionStatus.PENDING,
                    Prediction.recovery_started_at.is_(None),
                )
                .values(recovery_started_at=utcnow())
            )
        return bool(cast(CursorResult[Any], claimed).rowcount)

    async def _charged_meta(self, model_name: str, version_id: int | None) -> ModelMeta:
        """The metadata of the version a run was charged for (runs from before versions were
        recorded: the one served)."""
        if version_id is None or self.registry.version_of(model_name) == version_id:
            return self.meta(model_name)
        async with self.session_factory() as session:
            row = await catalogue.version_by_id(session, version_id)
        if row is None:
            raise ModelUnavailable(f"model {model_name!r} version {version_id} is not stored")
        return version_meta(row)

    async def notice_users(self) -> list[int]:
        """Users with runs settled by recovery whom nobody has told yet."""
        async with self.session_factory() as session:
            found = await session.scalars(
                select(Prediction.user_id).where(Prediction.notice == NOTICE_DUE).distinct()
            )
            return sorted(found.all())

    async def claim_notice(self, user_id: int) -> RecoveryNotice | None:
        """Take this user's untold recovered runs for one summary; None when there are none (or
        another process took them first: the guarded UPDATE lets only one have each run)."""
        table = Prediction.__table__
        assert isinstance(table, Table)
        async with self.session_factory() as session, session.begin():
            statuses = (
                await session.scalars(
                    update(table)
                    .where(table.c.user_id == user_id, table.c.notice == NOTICE_DUE)
                    .values(notice=NOTICE_SENT)
                    .returning(table.c.status)
                )
            ).all()
            if not statuses:
                return None
            balance = await session.scalar(select(User.balance).where(User.id == user_id))
        completed = sum(1 for s in statuses if s == PredictionStatus.COMPLETED)
        return RecoveryNotice(user_id, completed, len(statuses) - completed, to_money(balance or 0.0))

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
        max_cost: Decimal | None = None,
        model_version: int | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> BatchOutcome:
        """Charge and run many validated rows: one Prediction and one charge per row, all in one
        transaction, the rows marked as one batch (`batch_key`: Balance and History show it as one
        item); then run them BATCH_CHUNK rows per model call, `progress(done, total)` called after
        each part (it must not block: it is not awaited), and settle each row (or refund it) on
        its own. A timeout fails every row left at once.
        `max_cost`: the per-row price the user confirmed; PriceChanged (nothing charged) if the
        model costs more now."""
        meta = self.meta(model_name)
        version = self.registry.version_of(model_name)
        if model_version is not None and version != model_version:
            raise ModelChanged(f"model {model_name!r} was replaced since the file was checked")
        parsed = [from_mapping(meta.features, r) for r in rows]
        if not parsed:
            raise ValueError("empty batch")
        await self.ensure_loadable(model_name)
        base = f"{user_id}:{request_key}"[:100]
        keys = [f"{base}#{i}" for i in range(len(parsed))]
        try:
            ids = await self._charge_rows(user_id, model_name, parsed, keys, max_cost, version)
        except IntegrityError:
            ids = None
        if ids is None:  # seen before: report that run
            return await self._batch_outcome(keys, duplicate=True)
        encoded = [encode(meta.features, p) for p in parsed]
        results: list[Result | Exception] = []
        stopped: Exception | None = None
        for start in range(0, len(ids), BATCH_CHUNK):
            part = encoded[start : start + BATCH_CHUNK]
            found = [stopped] * len(part) if stopped else await self._predict_batch(meta, part)
            # A timeout (or a failure not of the model's making) ends the batch: the rest fail at
            # once rather than waiting out one more timeout per part.
            stopped = _batch_stopper(found)
            results.extend(found)
            if progress is not None and not stopped:
                try:
                    progress(len(results), len(ids))
                except Exception:
                    log.exception("batch progress report failed")
        # Settled together: a part per transaction made a 1,000-row batch 5x slower on SQLite.
        await self._settle_many(dict(zip(ids, results, strict=True)))
        return await self._batch_outcome(keys)

    async def _predict_batch(self, meta: ModelMeta, rows: list[list[float]]) -> list[Result | Exception]:
        """Each row's result or error. One model call for all. If the model fails on it (one bad
        row can do that), the rows are split in halves and retried, down to the bad rows: a few
        calls per bad row rather than one call per row, and all of it within one more
        `ML_TIMEOUT`. A timeout, or a failure that is not the model's (its file gone), fails every
        row still without a result at once: a model that hangs would hang again on each part."""
        model_name = meta.name
        try:
            return list(await self.executor.predict_each(model_name, rows, meta))
        except ModelTimeout as exc:
            log.warning("batch of %d for %s timed out; failing it", len(rows), model_name)
            return [exc] * len(rows)
        except ModelRunError as exc:
            log.warning("batch of %d for %s failed (%s); finding the bad rows", len(rows), model_name, exc)
            failed = exc
        except Exception as exc:
            log.warning("batch of %d for %s failed (%s); failing it", len(rows), model_name, exc)
            return [exc] * len(rows)

        results: list[Result | Exception | None] = [None] * len(rows)

        async def split(lo: int, hi: int, exc: ModelRunError) -> None:
            """rows[lo:hi] failed together with `exc`: try each half."""
            if hi - lo == 1:
                results[lo] = exc
                return
            mid = (lo + hi) // 2
            for a, b in ((lo, mid), (mid, hi)):
                try:
                    results[a:b] = await self.executor.predict_each(model_name, rows[a:b], meta)
                except ModelTimeout:
                    raise
                except ModelRunError as part_exc:
                    await split(a, b, part_exc)

        stopped: Exception = ModelTimeout(f"model {model_name} took longer than {self.executor.timeout:g}s")
        try:
            async with asyncio.timeout(self.executor.timeout):
                await split(0, len(rows), failed)
        except ModelTimeout as exc:
            stopped = exc
        except TimeoutError:
            pass
        except Exception as exc:  # not the model's failure (its file gone): the rest fail with it
            stopped = exc
        left = results.count(None)
        if left:
            log.warning("batch for %s: %d row(s) failed at once (%s)", model_name, left, stopped)
        return [stopped if r is None else r for r in results]

    async def _charge_rows(
        self,
        user_id: int,
        model_name: str,
        parsed: list[dict[str, Value]],
        keys: list[str],
        max_cost: Decimal | None = None,
        version_id: int | None = None,
    ) -> list[int] | None:
        async with self.session_factory() as session, session.begin():
            if await session.scalar(select(Prediction.id).where(Prediction.request_key == keys[0])):
                return None
            quote = await self.quote(session, user_id, model_name)
            total = quote.cost * len(parsed)
            self._chargeable(quote, max_cost, len(parsed))
            self._same_version(quote, version_id)
            ids = await self._insert_pending(
                session,
                [
                    (user_id, quote.model_id, row, key, quote.version_id)
                    for row, key in zip(parsed, keys, strict=True)
                ],
                batch_key=keys[0].rsplit("#", 1)[0],
            )
            if quote.cost > 0:
                description = charge_description(quote.meta)
                charges = await deduct_balances(
                    session, [Debit(user_id, quote.cost, description, pid, TxKind.CHARGE) for pid in ids]
                )
                for refused in charges:
                    if isinstance(refused, DomainError):
                        raise refused  # the whole batch is rolled back
            log.info("batch of %d charged: user %d model %s total %s", len(ids), user_id, model_name, total)
            return ids

    async def _settle_many(self, results: Mapping[int, dict[str, Any] | Exception]) -> None:
        done: list[_Completion] = [
            (pid, result, None) for pid, result in results.items() if not isinstance(result, Exception)
        ]
        if done:
            await self._complete_many(done)
        failed = {pid: str(r) or type(r).__name__ for pid, r in results.items() if isinstance(r, Exception)}
        if failed:
            await self._fail_many(failed)

    async def _fail_many(self, reasons: Mapping[int, str]) -> None:
        """`fail` for many runs in one transaction, or run by run if that cannot be done as one.
        (A timed-out CSV batch of 1,000 rows took 7 s on SQLite with a transaction per run.)"""
        try:
            async with self.session_factory() as session, session.begin():
                by_reason: dict[str, list[int]] = {}
                for pid, reason in reasons.items():
                    by_reason.setdefault(reason[:500], []).append(pid)
                won: dict[int, int] = {}  # prediction id -> user id, for the runs failed here
                for reason, ids in by_reason.items():
                    for start in range(0, len(ids), GROUP_MAX):
                        rows = await session.execute(
                            update(Prediction)
                            .where(
                                Prediction.id.in_(ids[start : start + GROUP_MAX]),
                                Prediction.status == PredictionStatus.PENDING,
                            )
                            .values(status=PredictionStatus.FAILED, result={"error": reason})
                            .returning(Prediction.id, Prediction.user_id)
                        )
                        won.update((pid, uid) for pid, uid in rows.all())
                refunded = Decimal(0)
                ids = sorted(won)
                for start in range(0, len(ids), GROUP_MAX):
                    charges = await session.execute(
                        select(Transaction.prediction_id, Transaction.amount).where(
                            Transaction.prediction_id.in_(ids[start : start + GROUP_MAX]),
                            Transaction.kind == TxKind.CHARGE,
                        )
                    )
                    for charged, amount in charges.all():
                        if charged is None or not amount:
                            continue
                        await increase_balance(
                            session,
                            won[charged],
                            to_money(-amount),
                            f"Refund: prediction #{charged} failed",
                            prediction_id=charged,
                            kind=TxKind.REFUND,
                        )
                        refunded += to_money(-amount)
            if won:
                log.info("%d prediction(s) failed, %s refunded", len(won), refunded)
        except Exception:
            log.exception("failing %d prediction(s) as one did not work; failing each alone", len(reasons))
            for pid, reason in reasons.items():
                await self._fail_or_leave(pid, reason)

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
            pid = await session.scalar(select(Prediction.id).where(Prediction.request_key == request_key))
            if pid is None:
                return None
            return (await self._outcomes(session, [pid], duplicate=True))[pid]

    @staticmethod
    async def _outcomes(
        session: AsyncSession,
        ids: Sequence[int],
        duplicate: bool = False,
        inputs: Mapping[int, Mapping[str, Any]] | None = None,
    ) -> dict[int, PredictionOutcome]:
        """Predictions as they stand, with what they cost (net of refunds) and the balance now.
        `inputs`: the runs' inputs when the caller has them (not read back then)."""
        known = inputs or {}
        stored = null() if set(ids) <= known.keys() else Prediction.input_data
        rows = await session.execute(
            select(
                Prediction.id,
                Prediction.user_id,
                Prediction.status,
                stored,
                Prediction.result,
                Model.name,
                User.balance,
            )
            .join(Model, Model.id == Prediction.model_id)
            .join(User, User.id == Prediction.user_id)
            .where(Prediction.id.in_(set(ids)))
        )
        net: dict[int, Decimal] = {}
        refunded: set[int] = set()
        txs = await session.execute(
            select(Transaction.prediction_id, Transaction.kind, Transaction.amount).where(
                Transaction.prediction_id.in_(set(ids))
            )
        )
        for pid, kind, amount in txs:
            assert pid is not None
            net[pid] = net.get(pid, Decimal(0)) + to_money(amount)
            if kind == TxKind.REFUND:
                refunded.add(pid)
        out = {}
        for pid, user_id, status, row_inputs, result, model_name, balance in rows:
            result = result if isinstance(result, dict) else None
            failed = status == PredictionStatus.FAILED
            out[pid] = PredictionOutcome(
                prediction_id=pid,
                user_id=user_id,
                model_name=model_name,
                status=status,
                inputs=dict(known[pid] if pid in known else row_inputs or {}),
                result=None if failed else result,
                cost=-net.get(pid, Decimal(0)),
                balance=to_money(balance),
                refunded=pid in refunded,
                error=(result or {}).get("error") if failed else None,
                duplicate=duplicate,
            )
        return out
