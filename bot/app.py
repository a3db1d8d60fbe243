"""The composition root: builds the core services from Settings, and the Dispatcher around them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from db.accounts import Passwords
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from ml.executor import MLExecutor
from ml.registry import ModelRegistry
from ml.service import PredictionOutcome, PredictionService, register_catalogue
from ml.train import build_catalogue, missing_models, read_catalogue

log = logging.getLogger(__name__)


@dataclass
class Core:
    """Everything a handler needs besides Telegram; created once, handed to the Dispatcher."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    registry: ModelRegistry
    executor: MLExecutor
    predictions: PredictionService
    passwords: Passwords
    recovered: list[PredictionOutcome] = field(default_factory=list)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run work in the background (a broadcast), keeping a reference until it ends."""
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    @property
    def welcome_credits(self) -> Decimal:
        return Decimal(str(self.settings.welcome_credits))

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        self.executor.shutdown()
        await self.engine.dispose()


async def build_core(settings: Settings, passwords: Passwords | None = None) -> Core:
    """Migrate the database, build missing built-in models, register them, settle leftovers."""
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    session_factory = create_session_factory(engine)

    models_dir = settings.models_dir
    missing = missing_models(models_dir)
    if missing:
        log.info("building built-in models: %s", ", ".join(missing))
        await asyncio.to_thread(build_catalogue, models_dir, missing)
    registry = ModelRegistry(models_dir)
    metas = registry.scan()
    async with session_factory() as session, session.begin():
        added = await register_catalogue(
            session, metas, read_catalogue(models_dir), settings.default_model_cost
        )
    if added:
        log.info("registered models: %s", ", ".join(added))

    executor = MLExecutor(registry, settings.ml_workers, settings.ml_timeout)
    await executor.warm_up(list(metas))
    predictions = PredictionService(session_factory, registry, executor)
    core = Core(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        registry=registry,
        executor=executor,
        predictions=predictions,
        passwords=passwords or Passwords.default(),
    )
    core.recovered = await predictions.recover_pending()
    return core
