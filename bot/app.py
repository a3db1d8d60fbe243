"""The composition root: builds the services from Settings (database, model registry and
executor, the use cases) and runs the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.charts import ChartRenderer
from bot.config import Settings
from bot.photo_ids import PhotoIds
from db.accounts import Passwords
from db.engine import create_engine, create_session_factory
from db.ledger import to_money
from db.migrate import upgrade
from ml.executor import MLExecutor
from ml.registry import ModelRegistry
from ml.train import build_catalogue, missing_models, read_built, read_catalogue
from services.accounts import Accounts
from services.admin import Admin
from services.catalogue import Catalogue, UploadPolicy, register_builtins
from services.explanations import Explanations
from services.payments import Payments, parse_packs
from services.predictions import PredictionOutcome, PredictionService
from services.promos import Promos

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Services:
    """Everything a handler needs besides Telegram; created once, handed to the Dispatcher."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    registry: ModelRegistry
    executor: MLExecutor
    predictions: PredictionService
    catalogue: Catalogue
    passwords: Passwords
    accounts: Accounts
    admin: Admin
    payments: Payments
    promos: Promos
    explanations: Explanations  # "Why?" under a result
    # charts (a result's, "Why?", /stats) rendered off the event loop; None from it: text only
    charts: ChartRenderer = field(default_factory=ChartRenderer)
    photo_ids: PhotoIds = field(default_factory=PhotoIds)  # charts Telegram has: sent by file_id
    # runs left pending by the previous stop, read before serving: what `recover` settles
    pending_at_start: list[int] = field(default_factory=list)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    inflight: set[asyncio.Task[Any]] = field(default_factory=set)  # updates being handled

    async def drain(self, timeout: float) -> int:
        """Let running updates (paid predictions among them) finish; returns how many did not.
        Those are settled at the next start (pending predictions are recovered)."""
        current = asyncio.current_task()
        running = {t for t in self.inflight if t is not current and not t.done()}
        if not running or timeout <= 0:
            return len(running)
        log.info("waiting up to %ss for %d running update(s)", timeout, len(running))
        _, still = await asyncio.wait(running, timeout=timeout)
        return len(still)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run work in the background (a broadcast), keeping a reference until it ends."""
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def recover(self) -> list[PredictionOutcome]:
        """Settle the runs left pending by the previous stop (in the background, while serving:
        a run started since is settled by its own run, never re-run here)."""
        ids, self.pending_at_start = self.pending_at_start, []
        return await self.predictions.recover_pending(ids) if ids else []

    @property
    def welcome_credits(self) -> Decimal:
        return Decimal(str(self.settings.welcome_credits))

    async def close(self) -> None:
        await self.drain(self.settings.shutdown_timeout)
        background = list(self.tasks)
        for task in background:
            task.cancel()
        # let them unwind (close their sessions) while the engine is still there
        await asyncio.gather(*background, return_exceptions=True)
        await self.executor.stop_loading()
        self.executor.shutdown()
        self.charts.shutdown()
        await self.engine.dispose()


async def build_services(settings: Settings, passwords: Passwords | None = None) -> Services:
    """Migrate the database, build missing built-in models, register them, and note the runs
    left pending (settled by `Services.recover`, once serving)."""
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    session_factory = create_session_factory(engine)

    models_dir = settings.models_dir
    missing = missing_models(models_dir)
    if missing:
        log.info("building built-in models: %s", ", ".join(missing))
        await asyncio.to_thread(build_catalogue, models_dir, missing)
    built = await asyncio.to_thread(read_built, models_dir, list(read_catalogue(models_dir)))
    added = await register_builtins(
        session_factory, built, read_catalogue(models_dir), settings.default_model_cost
    )
    if added:
        log.info("stored built-in models: %s", ", ".join(added))

    registry = ModelRegistry(settings.model_trusted_types)
    executor = MLExecutor(
        registry,
        settings.ml_workers,
        settings.ml_timeout,
        batching=settings.ml_batching,
        batch_max=settings.ml_batch_max,
        batch_wait=settings.ml_batch_wait_ms / 1000,
    )
    predictions = PredictionService(session_factory, registry, executor)
    async with session_factory() as session:
        await predictions.refresh(session, complete=True)
    uploads = UploadPolicy(
        allow_pickle=settings.allow_pickle_uploads,
        convert_memory_mb=settings.pickle_convert_memory_mb,
        convert_seconds=settings.pickle_convert_seconds,
        convert_without_isolation=settings.pickle_convert_without_isolation,
        trusted_types=settings.model_trusted_types,
        default_cost=to_money(settings.default_model_cost),
    )
    catalogue = Catalogue(session_factory, predictions, uploads)
    passwords = passwords or Passwords.default()
    services = Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        registry=registry,
        executor=executor,
        predictions=predictions,
        catalogue=catalogue,
        passwords=passwords,
        accounts=Accounts(session_factory, passwords, Decimal(str(settings.welcome_credits))),
        admin=Admin(session_factory, frozenset(settings.admin_ids)),
        payments=Payments(
            session_factory,
            parse_packs(settings.topup_packs),
            Decimal(str(settings.topup_credits_per_star)),
        ),
        promos=Promos(session_factory),
        explanations=Explanations(session_factory, predictions, executor),
    )
    services.pending_at_start = await predictions.pending_ids()
    # Loading a skops file builds the estimator from its arrays (about 1 s for the 300 trees of
    # wine_gb): in the background, so that start-up does not wait (a run that needs a model
    # before then waits for that one load). The files are read now, in one query: the loads
    # then need no database (and never hold SQLite's one connection while users are served).
    executor.prefetched(await predictions.fetch_served_files())
    services.spawn(executor.warm_up(list(registry.metas())))
    return services


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, on uvloop where it is installed: a faster event loop (the one aiogram
    recommends); the paid-prediction benchmark runs about a third faster on it."""
    try:
        import uvloop
    except ImportError:  # e.g. Windows
        return asyncio.run(main)
    return uvloop.run(main)
