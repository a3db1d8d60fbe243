"""Paid predictions per second through the whole bot, with the echo ceiling and a naive path.

    python -m bench.bench_predictions [--users 500] [--model cancer_rf] [--no-batching]
                                      [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

N users each sit on the confirmation screen; all press Confirm at once. Each update goes through
the real Dispatcher (LocalSession instead of the network), the real database (SQLite file, or a
fresh PostgreSQL database), a real charge, a real model run and the reply. Printed side by side:
(a) aiogram's ceiling: a trivial echo handler, same session; (b) a naive paid path: one model call
per request and one transaction per SQL statement. Exits non-zero unless every prediction
completed and the ledger reconciles.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message, Update
from argon2 import PasswordHasher
from sqlalchemy import Numeric, cast, func, insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Core, build_core
from bot.app import run as run_loop
from bot.callbacks import ConfirmCD
from bot.config import Settings
from bot.dispatcher import create_bot, create_dispatcher
from bot.local_session import LocalSession
from bot.scale import Shared
from bot.states import Predict
from db.accounts import Passwords, register
from db.ledger import reconcile
from db.models import Model, Prediction, Transaction, User
from ml.executor import MLExecutor
from ml.inputs import encode
from ml.train import build_catalogue

REPO = Path(__file__).resolve().parent.parent
TG_BASE = 900_000_000


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1, or a clear error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def built_catalogue(workdir: Path) -> Path:
    """The built-in models, trained afresh into `workdir`/models (as a first start does)."""
    models = workdir / "models"
    models.mkdir()
    shutil.copy(REPO / "models_store" / "catalogue.toml", models / "catalogue.toml")
    build_catalogue(models)
    return models


def unknown_model(core: Core, name: str) -> str | None:
    """The error to print when the catalogue has no model `name`."""
    if name in core.registry.metas():
        return None
    return f"unknown model {name!r}; the catalogue has: {', '.join(sorted(core.registry.metas()))}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def make_users(core: Core, n: int) -> list[int]:
    ids = []
    async with core.session_factory() as s, s.begin():
        for i in range(n):
            user = await register(
                s,
                telegram_id=TG_BASE + i,
                username=f"bench{i:05d}",
                email=f"b{i}@example.com",
                password="bench-pass-1",
                passwords=core.passwords,
            )
            ids.append(user.id)
    return ids


def confirm_update(bot: Any, i: int, nonce: str) -> Update:
    tg = TG_BASE + i
    user = {"id": tg, "is_bot": False, "first_name": "B", "language_code": "en"}
    return Update.model_validate(
        {
            "update_id": 1_000_000 + i,
            "callback_query": {
                "id": f"q{i}",
                "from": user,
                "chat_instance": "c",
                "data": ConfirmCD(action="run", nonce=nonce).pack(),
                "message": {
                    "message_id": i + 1,
                    "date": int(time.time()),
                    "chat": {"id": tg, "type": "private"},
                    "text": "confirm",
                },
            },
        },
        context={"bot": bot},
    )


async def bench_bot(core: Core, n: int, model: str) -> tuple[float, list[float], int]:
    session = LocalSession(enforce_rules=False)
    bot = create_bot("42:BENCH", session=session)
    shared = Shared(core.settings)
    dp = create_dispatcher(core, shared=shared)
    meta = core.registry.meta(model)
    values = {f.name: f.example for f in meta.features}
    async with core.session_factory() as db:  # the price the confirmation screen showed
        cost = str(await db.scalar(select(Model.cost).where(Model.name == model)))
    for i in range(n):
        key = StorageKey(bot_id=bot.id, chat_id=TG_BASE + i, user_id=TG_BASE + i)
        await shared.storage.set_state(key, Predict.confirm)
        await shared.storage.set_data(key, {"model": model, "values": values, "nonce": f"n{i}", "cost": cost})
    updates = [confirm_update(bot, i, f"n{i}") for i in range(n)]
    latencies: list[float] = []

    async def one(u: Update) -> None:
        t0 = time.perf_counter()
        await dp.feed_update(bot, u)
        latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(one(u) for u in updates))
    wall = time.perf_counter() - started
    await shared.close()
    results = sum(1 for c in session.calls if "Prediction: <b>" in (getattr(c, "text", "") or ""))
    return wall, latencies, results


async def bench_echo(n: int) -> float:
    session = LocalSession(enforce_rules=False)
    bot = create_bot("42:ECHO", session=session)
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    updates = [
        Update.model_validate(
            {
                "update_id": i,
                "message": {
                    "message_id": i,
                    "date": int(time.time()),
                    "chat": {"id": i, "type": "private"},
                    "from": {"id": i, "is_bot": False, "first_name": "E"},
                    "text": f"hi {i}",
                },
            },
            context={"bot": bot},
        )
        for i in range(1, n + 1)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(dp.feed_update(bot, u) for u in updates))
    return n / (time.perf_counter() - started)


async def bench_naive(core: Core, user_ids: list[int], model: str) -> float:
    """One model call per request, one transaction per statement."""
    executor = MLExecutor(core.registry, core.settings.ml_workers, batching=False)
    meta = core.registry.meta(model)
    values = {f.name: f.example for f in meta.features}
    row = encode(meta.features, values)
    async with core.session_factory() as s:
        model_row = (await s.scalars(select(Model).where(Model.name == model))).one()

    async def one(uid: int) -> None:
        sf = core.session_factory
        async with sf() as s, s.begin():
            pid = await s.scalar(
                insert(Prediction)
                .values(user_id=uid, model_id=model_row.id, input_data=values, status="pending")
                .returning(Prediction.id)
            )
        async with sf() as s, s.begin():
            await s.execute(
                update(User)
                .where(User.id == uid, User.balance >= model_row.cost)
                .values(balance=func.round(cast(User.balance - model_row.cost, Numeric), 2))
            )
        async with sf() as s, s.begin():
            await s.execute(
                insert(Transaction).values(
                    user_id=uid, amount=-model_row.cost, kind="charge", description="naive", prediction_id=pid
                )
            )
        result = (await executor.predict(model, [row]))[0]
        async with sf() as s, s.begin():
            await s.execute(
                update(Prediction).where(Prediction.id == pid).values(status="completed", result=result)
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(uid) for uid in user_ids))
    wall = time.perf_counter() - started
    executor.shutdown()
    return len(user_ids) / wall


@asynccontextmanager
async def workspace(
    prefix: str, postgres: str | None, catalogue: Path | None = None
) -> AsyncIterator[tuple[Path, Path, str]]:
    """A temporary folder with the built-in catalogue (trained afresh, or a copy of the built
    `catalogue`), and an empty database: a SQLite file there, or a new PostgreSQL database on the
    `postgres` server; all removed afterwards. Yields (folder, models folder, database URL)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    if catalogue is None:
        models = built_catalogue(workdir)
    else:
        models = workdir / "models"
        shutil.copytree(catalogue, models)
    pg_db = f"bench_{uuid.uuid4().hex[:10]}" if postgres else None
    try:
        if postgres and pg_db:
            await _pg_admin(postgres, f'CREATE DATABASE "{pg_db}"')
            url = postgres.rsplit("/", 1)[0] + f"/{pg_db}"
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        yield workdir, models, url
    finally:
        if postgres and pg_db:
            await _pg_admin(postgres, f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


async def _pg_admin(url: str, sql: str) -> None:
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await admin.dispose()


async def run(args: argparse.Namespace) -> int:
    async with workspace("bench-", args.postgres) as (workdir, models, url):
        return await _run(args, workdir, models, url)


async def _run(args: argparse.Namespace, workdir: Path, models: Path, url: str) -> int:
    settings = Settings(
        database_url=url,
        models_dir=models,
        fsm_path=workdir / "fsm.db",
        ml_batching=not args.no_batching,
        log_level="WARNING",  # the rest as deployed: throttling on, default batch sizes
        welcome_credits=10,
    )
    passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
    core = await build_core(settings, passwords)
    ok = True
    try:
        if error := unknown_model(core, args.model):
            print(error, file=sys.stderr)
            return 2
        n = args.users
        user_ids = await make_users(core, n * 2)  # the first half for the bot, the second for the naive path
        echo = await bench_echo(n)
        wall, lat, results = await bench_bot(core, n, args.model)
        naive = await bench_naive(core, user_ids[n:], args.model)
        async with core.session_factory() as s:
            completed = await s.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.status == "completed")
            )
            pending = await s.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.status != "completed")
            )
            bad = await reconcile(s)
        rate = n / wall
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"\n{n} users press Confirm at once · model {args.model} · {backend} · "
            f"batching {'off' if args.no_batching else 'on'}"
        )
        print(f"{'':34}{'per second':>12}")
        print(f"{'(a) aiogram echo ceiling':34}{echo:12.0f}")
        print(f"{'paid predictions, this bot':34}{rate:12.0f}")
        print(f"{'(b) naive paid path':34}{naive:12.0f}")
        print(f"speed-up over naive: {rate / naive:.1f}x")
        print(
            f"latency update→reply: p50 {pct(lat, 50) * 1000:.0f} ms · p95 {pct(lat, 95) * 1000:.0f} ms · "
            f"p99 {pct(lat, 99) * 1000:.0f} ms · max {max(lat) * 1000:.0f} ms"
        )
        print(f"peak RSS: {rss:.0f} MiB")
        print(
            f"check: {results}/{n} results sent, {completed} completed, {pending} not completed, "
            f"ledger {'reconciles' if not bad else f'BROKEN for {len(bad)} users'}"
        )
        ok = results == n and completed == 2 * n and pending == 0 and not bad
    finally:
        await core.close()
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=positive_int, default=500)
    parser.add_argument("--model", default="cancer_rf")
    parser.add_argument("--no-batching", action="store_true")
    parser.add_argument("--postgres", help="admin URL; a fresh database is made and dropped")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
