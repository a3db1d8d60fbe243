"""Paid predictions per second through the real bot process in webhook mode, over HTTP both ways,
beside the webhook echo floor measured in the same run.

    python -m bench.bench_webhook [--users 500] [--connections 100] [--model cancer_rf]
        [--mode sqlite|redis|all] [--processes 1|2]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
        [--redis redis://127.0.0.1:6379/0] [--models-dir DIR]
        [--telegram-limits [--global-rate 30] [--chat-rate 1]]

N users are registered and put on the confirmation screen (database and dialog state written by
this process before the bot starts); then `python -m bot` (MODE=webhook) is started and all N
press Confirm at once: N webhook calls over HTTP (`--connections` at a time, with the secret
header), each a Telegram-like JSON update. The bot talks to a fake Bot API served by this process
(bench/fake_telegram.py), which notes when each user's result arrives.

Modes: `sqlite` (default; SQLite database, dialog state in its SQLite file, one process) and
`redis` (a fresh PostgreSQL database on `--postgres` and a unique key prefix on `--redis`, both
removed afterwards; `--processes 2` runs two bot processes, the updates spread over their ports
as a load balancer would). `all` runs sqlite, redis with 1 and with 2 processes, one table.

The echo floor, in the same run and the same way: `python -m bench.echo_bot`, the same webhook
server and middlewares, the same updates, whose handler answers the press and edits the message
(two Bot API calls). Printed for both: completions/s (N / burst start to the last result),
latency burst start → result at the Bot API (p50/p95/p99/max), and the bot processes' CPU time
per update over the burst (/proc/<pid>/stat); then bot/echo.

`--telegram-limits`: the fake Bot API refuses what Telegram would (429 with retry_after): over
`--global-rate` messages/s overall or `--chat-rate`/s in one chat (bursts of 3), 20/min in a
group; the bot is told the same limits for its pacer (PACE_*). Printed: the time to deliver all
results against the bound N / global rate, the 429s, the results lost.

Exits non-zero unless every result arrived, every prediction completed and the ledger reconciles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import STDOUT
from typing import Any

import aiohttp
from aiogram.fsm.storage.base import StorageKey
from argon2 import PasswordHasher
from sqlalchemy import func, select

from bench.bench_predictions import (
    REPO,
    TG_BASE,
    built_catalogue,
    confirm_update,
    make_users,
    pct,
    positive_int,
    unknown_model,
    workspace,
)
from bench.echo_bot import ECHO_MARK
from bench.fake_telegram import BOT, BOT_ID, FakeTelegram, Limits
from bot.app import build_services
from bot.app import run as run_loop
from bot.callbacks import ConfirmCD
from bot.config import Settings
from bot.shared_state import Shared
from bot.states import Predict
from db.accounts import Passwords
from db.engine import create_engine, create_session_factory
from db.ledger import reconcile
from db.models import Model, Prediction

RESULT_MARK = "Prediction: <b>"
TOKEN = f"{BOT_ID}:WEBHOOK-BENCH"
SECRET = "webhook-bench-secret"
WEBHOOK_PATH = "/telegram/webhook"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 180.0  # seconds for a bot process to answer its health check (a loaded 2-core host)
STOP_TIMEOUT = 45.0  # SIGTERM, then this long (the bot lets running updates finish: 30 s), then SIGKILL
PORT_ATTEMPTS = 5


class BenchError(Exception):
    """A run that cannot be made as asked (e.g. an unknown model): the message says why."""


@dataclass
class Burst:
    """One measured burst: N presses fired, results timed at the fake Bot API."""

    n: int
    latencies: list[float]  # burst start → result arrived, seconds, per user with a result
    cpu: float  # seconds of CPU of the bot process(es) over the burst
    driver_cpu: float  # this process's over the burst: load generator and fake Bot API
    refused: int  # 429s the fake Bot API answered
    failed: int  # webhook calls not answered 200
    limits: Limits | None
    gave_up: float  # seconds waited for results before counting the rest lost
    in_response: int = 0  # taps answered in the webhook's response (no request of the bot's own)

    @property
    def arrived(self) -> int:
        return len(self.latencies)

    @property
    def span(self) -> float:
        return max(self.latencies, default=0.0)

    @property
    def rate(self) -> float:
        return self.arrived / self.span if self.span else 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.n * 1e6


@dataclass
class Outcome:
    label: str
    echo: Burst
    bot: Burst
    check: str
    ok: bool
    notes: list[str] = field(default_factory=list)


class BotProcess:
    """`python -m <module>` in webhook mode on a free port (tried again on another port if the
    one picked was taken meanwhile); its output goes to `log`."""

    def __init__(self, module: str, env: dict[str, str], log: Path) -> None:
        self.module, self.env, self.log = module, env, log
        self.port = 0
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def start(self) -> None:
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            env = {**self.env, "WEBHOOK_PORT": str(self.port)}
            with self.log.open("ab") as out:
                self.proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", self.module, cwd=REPO, env=env, stdout=out, stderr=STDOUT
                )
            if await self._ready():
                return
            if "address already in use" not in self.tail().lower():
                break
        raise RuntimeError(f"{self.module} did not start:\n{self.tail()}")

    async def _ready(self) -> bool:
        """True once the health check answers 200; False if the process ended first."""
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    return False
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return True
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.module} did not answer its health check in {START_TIMEOUT:.0f} s")

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)

    async def idle(self, window: float = 0.25, timeout: float = 30.0) -> None:
        """Wait until start-up's background work (loading the models) is over: a `window` with
        at most one clock tick of CPU."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            await asyncio.sleep(window)
            now = self.cpu_seconds()
            if now - last <= 1 / CLOCK_TICKS:
                return
            last = now

    async def stop(self) -> None:
        """SIGTERM (the bot lets running updates finish), then SIGKILL after STOP_TIMEOUT."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14, 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_body(i: int, update_id: int, nonce: str) -> bytes:
    """User i's Confirm press as Telegram sends it: the confirmation message with its keyboard."""
    raw = confirm_update(None, i, nonce).model_dump(mode="json", by_alias=True, exclude_none=True)
    query = raw["callback_query"]
    tg = TG_BASE + i
    person = {
        "id": tg,
        "is_bot": False,
        "first_name": "B",
        "username": f"bench{i:05d}",
        "language_code": "en",
    }
    query["from"] = person
    query["id"] = str(4_300_000_000_000_000_000 + i)
    query["chat_instance"] = str(-8_100_000_000_000_000_000 + i)
    query["message"].update(
        {
            "from": BOT,
            "chat": {"id": tg, "first_name": "B", "username": person["username"], "type": "private"},
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {"text": "✅ Confirm", "callback_data": query["data"]},
                        {"text": "✏️ Edit", "callback_data": ConfirmCD(action="edit", nonce=nonce).pack()},
                    ]
                ]
            },
        }
    )
    return json.dumps({"update_id": update_id, "callback_query": query}).encode()


async def fire(bodies: list[bytes], urls: list[str], connections: int) -> tuple[int, int]:
    """POST every update at once (`connections` at a time), spread over `urls` in turn as a load
    balancer would; returns (calls not answered 200, answers that carried a method for Telegram
    to run: the bot's answer to the tap, which saved it a request of its own)."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}

    async def post(http: aiohttp.ClientSession, url: str, body: bytes) -> tuple[bool, bool]:
        try:
            async with http.post(url, data=body, headers=headers) as resp:
                answer = await resp.read()
                return resp.status == 200, b'"method"' in answer
        except aiohttp.ClientError:
            return False, False

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        answers = await asyncio.gather(*(post(http, urls[i % len(urls)], b) for i, b in enumerate(bodies)))
    return sum(not ok for ok, _ in answers), sum(method for _, method in answers)


def base_env(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    """The bot's environment: ours, over the caller's minus anything the bot reads as a setting."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours and not k.upper().startswith("PACE_")}
    env.update(
        {
            "MODE": "webhook",
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": settings.database_url,
            "MODELS_DIR": str(settings.models_dir),
            "FSM_PATH": str(settings.fsm_path),
            "WEBHOOK_URL": "https://bench.example.com",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PATH": WEBHOOK_PATH,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_SET_ON_START": "false",
            "LOG_LEVEL": "WARNING",
            "WELCOME_CREDITS": str(settings.welcome_credits),
            # the bot's outgoing pacer (bot/pacer.py) gets the fake Bot API's limits, or is off
            "PACE_SENDS": "true" if args.telegram_limits else "false",
            "PACE_GLOBAL_PER_SECOND": str(args.global_rate),
            "PACE_CHAT_PER_SECOND": str(args.chat_rate),
            "PACE_CHAT_BURST": "3",
            "PACE_GROUP_PER_MINUTE": "20",
        }
    )
    if settings.redis_url:
        env.update({"REDIS_URL": settings.redis_url, "REDIS_PREFIX": settings.redis_prefix})
    return env


async def prepare(settings: Settings, n: int, model: str) -> list[str] | str:
    """Register N users and put each on the confirmation screen of `model` (before any bot
    process runs: SQLite's dialog file has one owner at a time). Returns their nonces, or an
    error to print."""
    passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
    services = await build_services(settings, passwords)
    try:
        if error := unknown_model(services, model):
            return error
        await make_users(services, n)
        meta = services.registry.meta(model)
        values = {f.name: f.example for f in meta.features}
        async with services.session_factory() as db:  # the price the confirmation screen showed
            cost = str(await db.scalar(select(Model.cost).where(Model.name == model)))
        shared = Shared(settings)
        nonces = [f"n{i}" for i in range(n)]
        try:
            for i, nonce in enumerate(nonces):
                key = StorageKey(bot_id=BOT_ID, chat_id=TG_BASE + i, user_id=TG_BASE + i)
                await shared.storage.set_state(key, Predict.confirm)
                await shared.storage.set_data(
                    key, {"model": model, "values": values, "nonce": nonce, "cost": cost}
                )
        finally:
            await shared.close()
        return nonces
    finally:
        await services.close()


@dataclass
class Side:
    """One program under test (the echo floor or the bot): its process(es) and fake Bot API."""

    fake: FakeTelegram
    procs: list[BotProcess]
    first_update_id: int

    async def stop(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.procs))
        await self.fake.stop()


async def side(
    args: argparse.Namespace,
    env: dict[str, str],
    workdir: Path,
    module: str,
    mark: str,
    first_update_id: int,
    n: int,
) -> Side:
    """`module`'s processes (not started yet), talking to a fake Bot API of their own that looks
    for `mark` in each user's result."""
    limits = Limits(args.global_rate, args.chat_rate) if args.telegram_limits else None
    fake = FakeTelegram(mark, n, limits)
    api_url = await fake.start()
    name = module.rsplit(".", 1)[-1]
    procs = [
        BotProcess(module, {**env, "TELEGRAM_API_URL": api_url}, workdir / f"{name}{k}.log")
        for k in range(args.processes)
    ]
    return Side(fake, procs, first_update_id)


async def burst(args: argparse.Namespace, under_test: Side, nonces: list[str]) -> Burst:
    """Fire every user's press at `under_test`'s processes at once; time their results."""
    n, fake, procs = len(nonces), under_test.fake, under_test.procs
    bodies = [webhook_body(i, under_test.first_update_id + i, nonce) for i, nonce in enumerate(nonces)]
    limits = fake.limits
    wait = n / limits.global_rate * 3 + 30 if limits else 60 + n * 0.05
    cpu_before = sum(p.cpu_seconds() for p in procs)
    driver_before = cpu_seconds(os.getpid())
    started = time.perf_counter()
    failed, in_response = await fire(bodies, [p.url for p in procs], args.connections)
    left = wait - (time.perf_counter() - started)
    try:
        await asyncio.wait_for(fake.done.wait(), max(left, 0.001))
    except TimeoutError:
        pass
    cpu = sum(p.cpu_seconds() for p in procs) - cpu_before
    driver = cpu_seconds(os.getpid()) - driver_before
    latencies = sorted(t - started for t in fake.arrived.values())
    return Burst(n, latencies, cpu, driver, fake.refused, failed, limits, wait, in_response)


async def ledger_check(url: str, n: int) -> tuple[int, int, int]:
    """(completed, not completed, users whose balance does not match their transactions)."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as s:
            completed = await s.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.status == "completed")
            )
            other = await s.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.status != "completed")
            )
            bad = await reconcile(s)
    finally:
        await engine.dispose()
    return int(completed or 0), int(other or 0), len(bad)


async def drop_redis_prefix(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        batch: list[Any] = []
        async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await redis.delete(*batch)
                batch = []
        if batch:
            await redis.delete(*batch)
    finally:
        await redis.aclose()


async def run_config(args: argparse.Namespace, mode: str, processes: int, catalogue: Path | None) -> Outcome:
    n = args.users
    args = argparse.Namespace(**{**vars(args), "processes": processes})
    redis = mode == "redis"
    prefix = f"bench-wh-{uuid.uuid4().hex[:10]}"
    label = (
        f"{'PostgreSQL + Redis' if redis else 'SQLite'} · {processes} process{'es' if processes > 1 else ''}"
    )
    try:
        async with workspace("bench-wh-", args.postgres if redis else None, catalogue) as (
            workdir,
            models,
            url,
        ):
            settings = Settings(
                database_url=url,
                models_dir=models,
                fsm_path=workdir / "fsm.db",
                redis_url=args.redis if redis else None,
                redis_prefix=prefix,
                log_level="WARNING",
                welcome_credits=10,
            )
            prepared = await prepare(settings, n, args.model)
            if isinstance(prepared, str):
                raise BenchError(prepared)
            env = base_env(args, settings)
            floor = await side(args, env, workdir, "bench.echo_bot", ECHO_MARK, 2_000_000, n)
            real = await side(args, env, workdir, "bot", RESULT_MARK, 1_000_000, n)
            procs = floor.procs + real.procs
            try:
                # started together (start-up is mostly imports: this halves the wait), each idle
                # while the other's burst runs; the echo never writes dialog state
                await asyncio.gather(*(p.start() for p in procs))
                await asyncio.gather(*(p.idle() for p in procs))
                echo = await burst(args, floor, prepared)
                await floor.stop()
                bot = await burst(args, real, prepared)
            finally:
                await asyncio.gather(floor.stop(), real.stop())
            completed, other, bad = await ledger_check(url, n)
    finally:
        if redis:
            await drop_redis_prefix(args.redis, prefix)
    check = (
        f"check: {bot.arrived}/{n} results arrived, {completed} completed, {other} not completed, "
        f"ledger {'reconciles' if not bad else f'BROKEN for {bad} users'}"
    )
    if bot.failed or echo.failed:
        check += f", webhook calls not answered 200: {bot.failed} (echo {echo.failed})"
    ok = bot.arrived == n and completed == n and other == 0 and not bad and not bot.failed
    return Outcome(label, echo, bot, check, ok)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def report(args: argparse.Namespace, o: Outcome) -> None:
    n = args.users
    limits = "on" if args.telegram_limits else "off"
    print(
        f"\n{n} users press Confirm · webhook over HTTP · {o.label} · model {args.model} · "
        f"{args.connections} connections · Telegram limits {limits}"
    )
    print(f"{'':22}{'completions/s':>14}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'CPU µs/update':>15}")
    for name, b in (("webhook echo floor", o.echo), ("this bot", o.bot)):
        lat = b.latencies or [0.0]
        print(
            f"{name:22}{b.rate:14,.0f}{ms(pct(lat, 50)):>10}{ms(pct(lat, 95)):>10}"
            f"{ms(pct(lat, 99)):>10}{ms(max(lat)):>10}{b.cpu_us:15,.0f}"
        )
    if o.echo.rate and o.echo.cpu:
        print(
            f"bot/echo: {o.bot.rate / o.echo.rate:.2f} of the echo's completions/s, "
            f"{o.bot.cpu / o.echo.cpu:.1f}x its CPU per update"
        )
    print(
        f"taps answered in the webhook response: echo {o.echo.in_response}/{n}, "
        f"bot {o.bot.in_response}/{n} (the rest by a request of the bot's own)"
    )
    print(
        f"this process (load generator and fake Bot API), CPU µs/update: echo "
        f"{o.echo.driver_cpu / n * 1e6:,.0f}, bot {o.bot.driver_cpu / n * 1e6:,.0f}"
    )
    if args.telegram_limits:
        bound = n / args.global_rate
        print(
            f"limits: {args.global_rate:g} messages/s overall (bucket {args.global_rate:g}), "
            f"{args.chat_rate:g}/s per chat (bucket 3), 20/min per group"
        )
        # the first bucketful goes at once: no sender can deliver all N sooner than `strict`
        strict = max(0.0, n - args.global_rate) / args.global_rate
        for name, b in (("echo", o.echo), ("bot", o.bot)):
            lost = n - b.arrived
            if lost:
                took = f"{b.arrived}/{n} within {b.gave_up:.0f} s, vs"
            else:
                took = f"all {n} in {b.span:.1f} s = {b.span / bound:.2f}x"
            print(
                f"delivery ({name}): {took} the bound N / global rate {bound:.1f} s (strictly, after "
                f"the first bucketful: {strict:.1f} s) · 429s sent: {b.refused} · results lost: {lost}"
            )
    print(o.check)


def summary(args: argparse.Namespace, outcomes: Sequence[Outcome]) -> None:
    limits = "on" if args.telegram_limits else "off"
    print(f"\n{args.users} users · model {args.model} · Telegram limits {limits}")
    head = "| configuration | bot/s | echo floor/s | bot/echo | p50 | p95 | p99 | CPU µs/update (echo) |"
    if args.telegram_limits:
        head += " delivery vs bound | 429s | lost |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for o in outcomes:
        b, e, lat = o.bot, o.echo, o.bot.latencies or [0.0]
        ratio = b.rate / e.rate if e.rate else 0.0
        row = (
            f"| {o.label} | {b.rate:,.0f} | {e.rate:,.0f} | {ratio:.2f} | {ms(pct(lat, 50))} | "
            f"{ms(pct(lat, 95))} | {ms(pct(lat, 99))} | {b.cpu_us:,.0f} ({e.cpu_us:,.0f}) |"
        )
        if args.telegram_limits:
            bound = args.users / args.global_rate
            lost = args.users - b.arrived
            row += f" {f'{b.span / bound:.2f}x' if not lost else 'gave up'} | {b.refused} | {lost} |"
        print(row)


async def run(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    loop.add_signal_handler(signal.SIGTERM, main.cancel)  # clean up as on Ctrl-C
    if args.mode == "all":
        configs = [("sqlite", 1), ("redis", 1), ("redis", 2)]
    else:
        configs = [(args.mode, args.processes)]
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="bench-wh-models-") as tmp:
        catalogue = args.models_dir
        if catalogue is None and len(configs) > 1:  # trained once for all of them
            catalogue = await asyncio.to_thread(built_catalogue, Path(tmp))
        for mode, processes in configs:
            try:
                outcome = await run_config(args, mode, processes, catalogue)
            except BenchError as exc:
                print(exc, file=sys.stderr)
                return 2
            report(args, outcome)
            outcomes.append(outcome)
    if len(outcomes) > 1:
        summary(args, outcomes)
    return 0 if all(o.ok for o in outcomes) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=positive_int, default=500)
    parser.add_argument("--connections", type=positive_int, default=100, help="webhook calls at a time")
    parser.add_argument("--model", default="cancer_rf")
    parser.add_argument("--mode", choices=["sqlite", "redis", "all"], default="sqlite")
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1, help="bot processes (redis mode)")
    parser.add_argument(
        "--postgres",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="admin URL (redis mode): a fresh database is made and dropped",
    )
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/0", help="redis mode: keys get a unique prefix"
    )
    parser.add_argument("--models-dir", type=Path, help="a built catalogue to copy instead of training one")
    parser.add_argument(
        "--telegram-limits", action="store_true", help="the fake Bot API enforces flood limits"
    )
    parser.add_argument(
        "--global-rate", type=float, default=30.0, help="messages/s overall (with the limits)"
    )
    parser.add_argument("--chat-rate", type=float, default=1.0, help="messages/s per chat (with the limits)")
    args = parser.parse_args()
    if args.processes > 1 and args.mode == "sqlite":
        parser.error("--processes 2 needs --mode redis (SQLite's dialog file has one owner)")
    if args.global_rate <= 0 or args.chat_rate <= 0:
        parser.error("--global-rate and --chat-rate must be above 0")
    if args.models_dir is not None and not (args.models_dir / "catalogue.toml").is_file():
        parser.error(f"--models-dir: no catalogue.toml in {args.models_dir}")
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
