"""Paid predictions per second through the whole bot, against an echo ceiling and a naive path.

    python -m bench.bench_predictions [--users 500] [--model cancer_rf] [--no-batching] [--rounds 3]
                                      [--same-inputs]
                                      [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

N users each sit on the confirmation screen; all press Confirm at once, each on their own inputs
(the model's dataset rows in turn, so results, and their charts, differ as real users' do;
`--same-inputs`: all the model's example, as this benchmark had it before pictures). Each
update goes through the real Dispatcher, the real database (SQLite file, or a fresh PostgreSQL
database), a real charge, a real model run and the reply. Bot API calls go through WireSession:
each request is encoded as aiohttp would send it and each answer parsed from Telegram's JSON,
with no socket.

The floor is (a), the echo ceiling: the same Confirm press of a registered user, through the
bot's Dispatcher and all its middlewares (de-duplication, throttling, the user's row, dialog
state and per-user isolation, log context), answered by an echo handler that makes the same two
Bot API calls as a paid run (answerCallbackQuery with a text, then editMessageText). It runs
before and after the bot; the faster of the two is the ceiling. Also printed: a plain aiogram
echo (no middlewares, one call), and (b) a naive paid path (two transactions, one model call per
request, no Telegram side). Each line: updates per second, process CPU per update (the model's
and the database driver's threads included), both as ratios to (a) ("by CPU": (a)'s CPU per
update over the line's, steadier when other work on the host takes turns on its cores), and
latency from the burst's start to each reply.

Pictures: in each of `--rounds` rounds the bot's burst runs with the users' pictures off (the
text result, edited in), then on (the result as a chart's caption: the confirmation deleted, the
chart sent) with no chart drawn, cached or sent yet (cold, as a bot just started), then on again
(warm). Each configuration's median round is printed, and "pictures on / off" compares each
round's bursts with each other (the host's speed drifts between rounds).

Training runs in a subprocess, so the RSS printed is the bot's. Exits non-zero unless every
prediction completed, every result was sent (as a photo with pictures on), every echo was
answered and the ledger reconciles.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import EditMessageText, SendMessage, SendPhoto
from aiogram.types import Message, Update
from argon2 import PasswordHasher
from sqlalchemy import Numeric, cast, func, insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from bench.echo_bot import ECHO_MARK, echo_router
from bot import result_charts
from bot.__main__ import tune_gc
from bot.app import Services, build_services
from bot.app import run as run_loop
from bot.callbacks import ConfirmCD
from bot.charts import ChartRenderer
from bot.config import Settings
from bot.dispatcher import create_bot, create_dispatcher
from bot.local_session import WireSession
from bot.photo_ids import PhotoIds
from bot.shared_state import Shared
from bot.states import Predict
from db.accounts import Passwords, register
from db.ledger import reconcile
from db.models import Model, Prediction, Transaction, User
from ml.executor import MLExecutor
from ml.inputs import encode
from ml.train import RECIPES

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
    """The built-in models, trained afresh into `workdir`/models (as a first start does), in a
    subprocess: training's memory is not the bot's, and would otherwise be its peak RSS."""
    models = workdir / "models"
    models.mkdir()
    shutil.copy(REPO / "models_store" / "catalogue.toml", models / "catalogue.toml")
    subprocess.run(
        [sys.executable, "-m", "ml.train", "--models-dir", str(models)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return models


def unknown_model(services: Services, name: str) -> str | None:
    """The error to print when the catalogue has no model `name`."""
    if name in services.registry.metas():
        return None
    return f"unknown model {name!r}; the catalogue has: {', '.join(sorted(services.registry.metas()))}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mib() -> float:
    """This process's resident memory now (Linux), or its peak where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mib()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Burst:
    """One burst of N updates (or naive runs) started together."""

    n: int
    wall: float  # seconds, from the burst's start to the last reply
    cpu: float  # process CPU seconds over the burst, every thread of the process
    latencies: list[float]  # seconds, from the burst's start to each reply

    @property
    def rate(self) -> float:
        return self.n / self.wall

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.n * 1e6

    def latency_line(self) -> str:
        ms = [x * 1000 for x in self.latencies]
        return (
            f"p50 {pct(ms, 50):.0f} ms · p95 {pct(ms, 95):.0f} ms · "
            f"p99 {pct(ms, 99):.0f} ms · max {max(ms):.0f} ms"
        )


@dataclass
class PictureRound:
    """One round of the pictures comparison: the bot's burst with pictures off, on with the
    chart caches empty, on again."""

    off: Burst
    cold: Burst
    warm: Burst
    sent: int  # results sent in the three bursts
    photos: int  # of them as a photo (pictures on)
    drawn: int  # charts drawn in the cold burst


def median_burst(bursts: Sequence[Burst]) -> Burst:
    """The burst of median rate (its own CPU and latencies printed with it)."""
    return sorted(bursts, key=lambda b: b.rate)[len(bursts) // 2]


def forget_pictures(services: Services) -> None:
    """No chart drawn, cached or sent yet, as in a bot just started: a new renderer (its thread
    loads the fonts again), no file ids, the drawn words forgotten."""
    services.charts.shutdown()
    services.charts = ChartRenderer()
    services.photo_ids = PhotoIds()
    result_charts.forget_drawn_words()


async def timed_burst(jobs: Sequence[Awaitable[Any]]) -> Burst:
    """Start all `jobs` at once; each one's latency runs from the burst's start to its end (the
    reply is its last step), so waiting for a turn counts."""
    latencies: list[float] = []
    # The collector starts clear, so no burst pays for cyclic garbage an earlier step left: the
    # users' registration leaves about 90,000 objects (ORM states), and the first burst to cross
    # the young generation's threshold (see bot.__main__.tune_gc) was charged about 60 ms for them,
    # the bot's as it happened (120 µs per update of 770).
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()

    async def one(job: Awaitable[Any]) -> None:
        await job
        latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(job) for job in jobs))
    wall = time.perf_counter() - started
    return Burst(len(jobs), wall, time.process_time() - cpu, latencies)


async def make_users(services: Services, n: int) -> list[int]:
    ids = []
    async with services.session_factory() as s, s.begin():
        for i in range(n):
            user = await register(
                s,
                telegram_id=TG_BASE + i,
                username=f"bench{i:05d}",
                email=f"b{i}@example.com",
                password="bench-pass-1",
                passwords=services.passwords,
            )
            ids.append(user.id)
    return ids


def confirm_update(bot: Any, i: int, nonce: str) -> Update:
    """User `i` (TG_BASE + i) presses Confirm on their confirmation screen."""
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


def sent_texts(session: WireSession, marker: str) -> int:
    """Results sent: as text, or as a chart's caption (users with pictures on)."""
    return sum(
        1
        for c in session.calls
        if (isinstance(c, (SendMessage, EditMessageText)) and marker in c.text)
        or (isinstance(c, SendPhoto) and marker in (c.caption or ""))
    )


def dataset_inputs(services: Services, model: str, n: int) -> list[dict[str, Any]]:
    """`n` users' inputs for a built-in model: the rows of the dataset it was trained on, in turn
    (varied, as real users' are: results, and so their charts, differ); the model's example for
    a model without a recipe."""
    meta = services.registry.meta(model)
    recipe = RECIPES.get(model)
    if recipe is None:
        return [{f.name: f.example for f in meta.features}] * n
    data = np.asarray(recipe.load().data, dtype=np.float64)
    out = []
    for i in range(n):
        row = data[i % len(data)]
        values: dict[str, Any] = {}
        for f, x in zip(meta.features, row, strict=True):
            if f.type == "category":
                values[f.name] = next(k for k, v in (f.categories or {}).items() if v == x)
            else:
                values[f.name] = int(x) if f.type == "int" else float(x)
        out.append(values)
    return out


def example_inputs(services: Services, model: str, n: int) -> list[dict[str, Any]]:
    """`n` users' inputs, all the model's example (one result for all, one chart)."""
    meta = services.registry.meta(model)
    return [{f.name: f.example for f in meta.features} for _ in range(n)]


async def set_pictures(services: Services, first: int, n: int, on: bool) -> None:
    """Users first..first+n-1 get pictures on or off (their /settings switch)."""
    async with services.session_factory() as s, s.begin():
        await s.execute(
            update(User)
            .where(User.telegram_id >= TG_BASE + first, User.telegram_id < TG_BASE + first + n)
            .values(pictures=on)
        )


async def bench_bot(
    services: Services, first: int, model: str, inputs: Sequence[dict[str, Any]]
) -> tuple[Burst, int, int]:
    """Users first..first+len(inputs)-1 press Confirm at once, each on their own inputs; returns
    the burst, how many results were sent, and how many of them as a photo."""
    n = len(inputs)
    session = WireSession()
    bot = create_bot("42:BENCH", session=session)
    shared = Shared(services.settings)
    dp = create_dispatcher(services, shared=shared)
    async with services.session_factory() as db:  # the price the confirmation screen showed
        cost = str(await db.scalar(select(Model.cost).where(Model.name == model)))
    for i, values in zip(range(first, first + n), inputs, strict=True):
        key = StorageKey(bot_id=bot.id, chat_id=TG_BASE + i, user_id=TG_BASE + i)
        await shared.storage.set_state(key, Predict.confirm)
        await shared.storage.set_data(key, {"model": model, "values": values, "nonce": f"n{i}", "cost": cost})
    updates = [confirm_update(bot, i, f"n{i}") for i in range(first, first + n)]
    burst = await timed_burst([dp.feed_update(bot, u) for u in updates])
    await shared.close()
    marker = "Prediction: <b>"
    photos = sum(1 for c in session.calls if isinstance(c, SendPhoto) and marker in (c.caption or ""))
    return burst, sent_texts(session, marker), photos


async def bench_echo(services: Services, first: int, n: int, fsm_path: Path) -> tuple[Burst, int]:
    """The floor: users first..first+n-1 press Confirm, through the bot's Dispatcher and
    middlewares, answered by `echo_router`; returns the burst and how many edits were sent."""
    session = WireSession()
    bot = create_bot("42:ECHO", session=session)
    shared = Shared(services.settings.model_copy(update={"fsm_path": fsm_path}))
    dp = create_dispatcher(services, shared=shared, routers=[echo_router()])
    updates = [confirm_update(bot, i, f"e{i}") for i in range(first, first + n)]
    burst = await timed_burst([dp.feed_update(bot, u) for u in updates])
    await shared.close()
    return burst, sent_texts(session, ECHO_MARK)


async def bench_plain_echo(n: int) -> Burst:
    """aiogram alone: a plain Dispatcher, a message echoed with one call."""
    session = WireSession()
    bot = create_bot("42:PLAIN", session=session)
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
    return await timed_burst([dp.feed_update(bot, u) for u in updates])


async def bench_naive(
    services: Services, user_ids: list[int], model: str, inputs: Sequence[dict[str, Any]]
) -> Burst:
    """What a first version would do: one model call per request; a transaction for the charge,
    the pending prediction and its ledger row, and another for the result."""
    executor = MLExecutor(services.registry, services.settings.ml_workers, batching=False)
    meta = services.registry.meta(model)
    async with services.session_factory() as s:
        model_row = (await s.scalars(select(Model).where(Model.name == model))).one()

    async def one(uid: int, values: dict[str, Any]) -> None:
        row = encode(meta.features, values)
        sf = services.session_factory
        async with sf() as s, s.begin():
            charged = await s.execute(
                update(User)
                .where(User.id == uid, User.balance >= model_row.cost)
                .values(balance=func.round(cast(User.balance - model_row.cost, Numeric), 2))
            )
            if charged.rowcount != 1:  # type: ignore[attr-defined]
                raise RuntimeError(f"user {uid} could not pay")
            pid = await s.scalar(
                insert(Prediction)
                .values(user_id=uid, model_id=model_row.id, input_data=values, status="pending")
                .returning(Prediction.id)
            )
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

    burst = await timed_burst([one(uid, v) for uid, v in zip(user_ids, inputs, strict=True)])
    executor.shutdown()
    return burst


@asynccontextmanager
async def workspace(
    prefix: str, postgres: str | None, catalogue: Path | None = None
) -> AsyncIterator[tuple[Path, Path, str]]:
    """A temporary folder with the built-in catalogue (trained afresh, or a copy of the built
    `catalogue`), and an empty database: a SQLite file there, or a new PostgreSQL database on the
    `postgres` server; all removed afterwards. Yields (folder, models folder, database URL)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    pg_db = f"bench_{uuid.uuid4().hex[:10]}" if postgres else None
    try:
        if catalogue is None:
            models = built_catalogue(workdir)
        else:
            models = workdir / "models"
            shutil.copytree(catalogue, models)
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


def row(label: str, burst: Burst, floor: Burst) -> str:
    return (
        f"{label:44}{burst.rate:11.0f}{burst.cpu_us:15.0f}{burst.rate / floor.rate:8.2f}"
        f"{floor.cpu_us / burst.cpu_us:9.2f}"
    )


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
    services = await build_services(settings, passwords)
    tune_gc()  # as `python -m bot` does
    ok = True
    try:
        if error := unknown_model(services, args.model):
            print(error, file=sys.stderr)
            return 2
        await asyncio.gather(*services.tasks)  # the models' loads: not during a burst
        n = args.users
        rounds = args.rounds
        # groups of n users: echo; then per round the bot with pictures off, with pictures on
        # (the chart caches emptied first: cold), on again (warm); echo again; the naive path
        user_ids = await make_users(services, n * (3 * rounds + 3))
        inputs = dataset_inputs(services, args.model, n)
        if args.same_inputs:  # everyone sends the model's example: one result, one chart
            inputs = example_inputs(services, args.model, n)
        for r in range(rounds):
            await set_pictures(services, (1 + 3 * r) * n, n, on=False)
        rss_start = rss_mib()
        plain = await bench_plain_echo(n)
        echo1, echoed1 = await bench_echo(services, 0, n, workdir / "fsm-echo1.db")
        runs: list[PictureRound] = []
        for r in range(rounds):
            first = (1 + 3 * r) * n
            off, sent_off, _ = await bench_bot(services, first, args.model, inputs)
            forget_pictures(services)  # as a restarted bot: no chart drawn or sent yet
            cold, sent_cold, photos_cold = await bench_bot(services, first + n, args.model, inputs)
            drawn = services.charts.drawn
            warm, sent_warm, photos_warm = await bench_bot(services, first + 2 * n, args.model, inputs)
            runs.append(
                PictureRound(
                    off, cold, warm, sent_off + sent_cold + sent_warm, photos_cold + photos_warm, drawn
                )
            )
        last = (1 + 3 * rounds) * n
        echo2, echoed2 = await bench_echo(services, last, n, workdir / "fsm-echo2.db")
        naive = await bench_naive(services, user_ids[last + n :], args.model, inputs)
        rss_end = rss_mib()
        async with services.session_factory() as s:
            completed = await s.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.status == "completed")
            )
            pending = await s.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.status != "completed")
            )
            bad = await reconcile(s)
        floor = max(echo1, echo2, key=lambda b: b.rate)
        bot, cold, warm = (median_burst([getattr(x, k) for x in runs]) for k in ("off", "cold", "warm"))
        backend = "PostgreSQL" if args.postgres else "SQLite"
        distinct = len({tuple(sorted(v.items())) for v in inputs})
        print(
            f"\n{n} users press Confirm at once · model {args.model} · {backend} · "
            f"batching {'off' if args.no_batching else 'on'} · {distinct} different inputs · "
            "requests encoded, answers parsed"
        )
        print(f"{'':44}{'per second':>11}{'CPU µs/update':>15}{'vs (a)':>8}{'by CPU':>9}")
        print(row("(a) echo ceiling: bot middlewares, 2 calls", floor, floor))
        print(row("    plain aiogram echo, 1 call", plain, floor))
        print(row("paid predictions, this bot, pictures off", bot, floor))
        print(row("  pictures on, chart cache cold", cold, floor))
        print(row("  pictures on, chart cache warm", warm, floor))
        print(row("(b) naive paid path", naive, floor))
        print(
            f"(a) before and after the bot: {echo1.rate:.0f}/s and {echo2.rate:.0f}/s · "
            f"paid predictions / echo ceiling: {bot.rate / floor.rate:.2f} "
            f"(by CPU per update: {floor.cpu_us / bot.cpu_us:.2f}) · "
            f"speed-up over naive: {bot.rate / naive.rate:.1f}x"
        )
        cold_ratios = sorted(x.cold.rate / x.off.rate for x in runs)
        warm_ratios = sorted(x.warm.rate / x.off.rate for x in runs)
        print(
            f"pictures on / off, throughput (each round's own, median of {rounds}): "
            f"{median(cold_ratios):.2f} cold, {median(warm_ratios):.2f} warm · CPU per update "
            f"{median(x.cold.cpu_us - x.off.cpu_us for x in runs):+.0f} µs cold, "
            f"{median(x.warm.cpu_us - x.off.cpu_us for x in runs):+.0f} µs warm · "
            f"{runs[0].drawn} chart{'' if runs[0].drawn == 1 else 's'} drawn for {n} photos"
        )
        print(
            "  each round, cold · warm: "
            + "  ".join(f"{x.cold.rate / x.off.rate:.2f} · {x.warm.rate / x.off.rate:.2f}" for x in runs)
        )
        print("latency from the burst's start to each reply (the median round's):")
        print(f"  (a) echo ceiling  {floor.latency_line()}")
        print(f"  pictures off      {bot.latency_line()}")
        print(f"  pictures, cold    {cold.latency_line()}")
        print(f"  pictures, warm    {warm.latency_line()}")
        print(f"  (b) naive         {naive.latency_line()}")
        print(
            f"RSS: {rss_start:.0f} MiB at start (models loaded, users made) · {rss_end:.0f} MiB after the "
            f"bursts · peak {peak_rss_mib():.0f} MiB (training ran in a subprocess)"
        )
        sent = sum(x.sent for x in runs)
        photos = sum(x.photos for x in runs)
        bursts = 3 * rounds
        print(
            f"check: {sent}/{bursts * n} results sent ({photos}/{2 * rounds * n} as photos), {completed} "
            f"completed, {pending} not completed, "
            f"ledger {'reconciles' if not bad else f'BROKEN for {len(bad)} users'}"
        )
        if echoed1 + echoed2 != 2 * n:
            print(f"echo check: {echoed1 + echoed2}/{2 * n} echoes sent")
        ok = (
            sent == bursts * n
            and photos == 2 * rounds * n
            and echoed1 + echoed2 == 2 * n
            and completed == (bursts + 1) * n
            and pending == 0
            and not bad
        )
    finally:
        await services.close()
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=positive_int, default=500)
    parser.add_argument("--model", default="cancer_rf")
    parser.add_argument("--no-batching", action="store_true")
    parser.add_argument("--same-inputs", action="store_true", help="every user sends the model's example")
    parser.add_argument("--rounds", type=positive_int, default=3, help="pictures off / cold / warm rounds")
    parser.add_argument("--postgres", help="admin URL; a fresh database is made and dropped")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
