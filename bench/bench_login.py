"""Paid-run latency while users keep trying /login with wrong passwords (the deployed hasher).

    python -m bench.bench_login [--runs 100] [--loggers 10] [--model cancer_rf]
                                [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

A steady stream of paid runs, one after another (a user presses Confirm on their confirmation
screen; the real Dispatcher, database, charge, model run and reply, as in bench_predictions), is
timed twice: idle, and while `--loggers` users keep sending /login, an email and a wrong password,
checked by the deployed hasher (`Passwords.default()`: Argon2id, 64 MiB). Every attempt comes from
a new Telegram account and names a new email, so the login throttle never stops the checks: each
attempt is a real Argon2 verification, and the number that ran during the timed runs is printed.
Prints p50/p95 of both and the ratio loaded/idle. Exits non-zero unless every run completed, the
ledger reconciles and passwords were really being checked during the loaded runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update
from argon2 import PasswordHasher
from sqlalchemy import func, select

from bench.bench_predictions import confirm_update, pct, positive_int, unknown_model, workspace
from bot.app import Services, build_services
from bot.app import run as run_loop
from bot.config import Settings
from bot.dispatcher import create_bot, create_dispatcher
from bot.local_session import LocalSession
from bot.shared_state import Shared
from bot.states import Predict
from db.accounts import Passwords, register
from db.ledger import reconcile
from db.models import Model, Prediction

TG_BASE = 900_000_000  # the paying users (as in bench_predictions: confirm_update builds their taps)
TG_LOGIN_BASE = 950_000_000  # each login attempt: a new Telegram account
WRONG_PASSWORD = "not-the-password-1"


class CountingHasher(PasswordHasher):
    """The deployed Argon2 parameters, counting in the hashing thread the verifications that
    start and finish, and announcing the first start to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        default = Passwords.default().hasher
        super().__init__(default.time_cost, default.memory_cost, default.parallelism)
        self.loop = loop
        self.started = self.finished = 0
        self.checking = asyncio.Event()
        self.lock = threading.Lock()  # the old code checked several at once

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.started += 1
        self.loop.call_soon_threadsafe(self.checking.set)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.finished += 1


async def make_payers(services: Services, count: int) -> None:
    """Paying users, seeded with a cheap hasher (their passwords play no part here)."""
    cheap = Passwords(PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
    async with services.session_factory() as s, s.begin():
        for i in range(count):
            await register(
                s,
                telegram_id=TG_BASE + i,
                username=f"payer{i:05d}",
                email=f"payer{i}@example.com",
                password="bench-pass-1",
                passwords=cheap,
            )


def text_update(bot: Bot, update_id: int, tg: int, text_: str) -> Update:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": tg, "type": "private"},
        "from": {"id": tg, "is_bot": False, "first_name": "L", "language_code": "en"},
        "text": text_,
    }
    if text_.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text_)}]
    return Update.model_validate({"update_id": update_id, "message": message}, context={"bot": bot})


class Bench:
    def __init__(self, services: Services, model: str) -> None:
        self.services = services
        self.model = model
        self.session = LocalSession(enforce_rules=False)
        self.bot = create_bot("42:BENCH", session=self.session)
        self.shared = Shared(services.settings)
        self.dp: Dispatcher = create_dispatcher(services, shared=self.shared)
        self.update_ids = itertools.count(5_000_000)
        self.attempt_ids = itertools.count()
        self.attempts = 0

    async def prepare(self, first: int, count: int) -> None:
        """Users first..first+count-1 sit on the confirmation screen of `model`."""
        meta = self.services.registry.meta(self.model)
        values = {f.name: f.example for f in meta.features}
        async with self.services.session_factory() as s:
            cost = await s.scalar(select(Model.cost).where(Model.name == self.model))
        for i in range(first, first + count):
            key = StorageKey(bot_id=self.bot.id, chat_id=TG_BASE + i, user_id=TG_BASE + i)
            await self.shared.storage.set_state(key, Predict.confirm)
            await self.shared.storage.set_data(
                key, {"model": self.model, "values": values, "nonce": f"n{i}", "cost": str(cost)}
            )

    async def stream(self, first: int, count: int) -> list[float]:
        """Paid runs one after another; the latency of each, update to reply."""
        latencies = []
        for i in range(first, first + count):
            update = confirm_update(self.bot, i, f"n{i}")
            started = time.perf_counter()
            await self.dp.feed_update(self.bot, update)
            latencies.append(time.perf_counter() - started)
        return latencies

    async def keep_logging_in(self, stop: asyncio.Event) -> None:
        """/login, an email, a wrong password; again, as a new Telegram account each time."""
        while not stop.is_set():
            n = next(self.attempt_ids)
            tg = TG_LOGIN_BASE + n
            for said in ("/login", f"nobody{n}@example.com", WRONG_PASSWORD):
                await self.dp.feed_update(self.bot, text_update(self.bot, next(self.update_ids), tg, said))
            self.attempts += 1

    def sent(self, needle: str) -> int:
        # a result comes as text, or as a chart's caption (users with pictures on)
        return sum(
            1
            for c in self.session.calls
            if needle in (getattr(c, "text", None) or getattr(c, "caption", None) or "")
        )


async def measure(args: argparse.Namespace, services: Services, hasher: CountingHasher) -> bool:
    runs = args.runs
    await make_payers(services, 2 * runs + 1)
    bench = Bench(services, args.model)
    await bench.prepare(0, 2 * runs + 1)
    await bench.stream(2 * runs, 1)  # a first run, untimed: the model loads, the pools fill
    idle = await bench.stream(0, runs)

    stop = asyncio.Event()
    loggers = [asyncio.create_task(bench.keep_logging_in(stop)) for _ in range(args.loggers)]
    await hasher.checking.wait()  # a password is being checked from now on
    done_before = hasher.finished
    loaded = await bench.stream(runs, runs)
    during = hasher.started - done_before  # ran at least in part during the loaded runs
    stop.set()
    await asyncio.gather(*loggers)
    await bench.shared.close()

    async with services.session_factory() as s:
        completed = await s.scalar(
            select(func.count()).select_from(Prediction).where(Prediction.status == "completed")
        )
        bad = await reconcile(s)
    results = bench.sent("Prediction: <b>")
    refused = bench.sent("Wrong email or password")
    blocked = bench.sent("Too many failed sign-in attempts")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"\n{runs} paid runs one after another, idle and while {args.loggers} users log in with wrong "
        f"passwords · model {args.model} · {backend}"
    )
    print(
        f"password hasher: Argon2id, time cost {hasher.time_cost}, {hasher.memory_cost // 1024} MiB, "
        f"parallelism {hasher.parallelism}"
    )
    print(f"load average when done (other work on this machine moves every figure): {os.getloadavg()[0]:.2f}")
    print(f"{'paid-run latency':34}{'p50':>10}{'p95':>10}{'max':>10}")
    for name, lat in (("idle", idle), (f"{args.loggers} users logging in", loaded)):
        print(f"{name:34}{pct(lat, 50) * 1000:8.1f}ms{pct(lat, 95) * 1000:8.1f}ms{max(lat) * 1000:8.1f}ms")
    p50, p95 = pct(loaded, 50) / pct(idle, 50), pct(loaded, 95) / pct(idle, 95)
    print(f"ratio loaded/idle: p50 {p50:.1f}x · p95 {p95:.1f}x")
    print(
        f"login: {during} password verifications ran during the {runs} loaded runs; "
        f"{bench.attempts} attempts in all, {refused} refused as wrong, {blocked} blocked by the throttle"
    )
    print(
        f"check: {results}/{2 * runs + 1} results sent, {completed} completed, "
        f"ledger {'reconciles' if not bad else f'BROKEN for {len(bad)} users'}"
    )
    return results == completed == 2 * runs + 1 and not bad and during > 0


async def run(args: argparse.Namespace) -> int:
    async with workspace("bench-login-", args.postgres) as (workdir, models, url):
        return await _run(args, workdir, models, url)


async def _run(args: argparse.Namespace, workdir: Path, models: Path, url: str) -> int:
    settings = Settings(
        database_url=url,
        models_dir=models,
        fsm_path=workdir / "fsm.db",
        log_level="WARNING",  # the rest as deployed: throttling on, default batch sizes
        welcome_credits=10,
    )
    hasher = CountingHasher(asyncio.get_running_loop())
    services = await build_services(settings, Passwords(hasher))
    try:
        if error := unknown_model(services, args.model):
            print(error, file=sys.stderr)
            return 2
        ok = await measure(args, services, hasher)
    finally:
        await services.close()
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=positive_int, default=100, help="paid runs timed, idle and loaded each"
    )
    parser.add_argument("--loggers", type=positive_int, default=10, help="users trying /login meanwhile")
    parser.add_argument("--model", default="cancer_rf")
    parser.add_argument("--postgres", help="admin URL; a fresh database is made and dropped")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
