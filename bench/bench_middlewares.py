"""What each of the bot's outer middlewares costs per update, measured by taking it away.

    python -m bench.bench_middlewares [--users 500] [--rounds 5]

The fair echo of bench.bench_predictions (a registered user's Confirm press through the bot's
own Dispatcher, answered with the same two Bot API calls as a paid run, through the serialising
WireSession) runs with every middleware, then without one of them at a time, and with none.
Each variant runs `--rounds` times, interleaved, and its median process CPU per update counts;
a middleware's cost is what the full chain costs more than the chain without it. (Taking one
away changes nothing else the echo needs: it reads no user, state or language.)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
from collections.abc import Callable
from typing import Any

from aiogram import Dispatcher
from argon2 import PasswordHasher

from bench.bench_predictions import (
    confirm_update,
    make_users,
    positive_int,
    timed_burst,
    workspace,
)
from bench.echo_bot import ECHO_MARK, echo_router
from bot.app import build_services
from bot.app import run as run_loop
from bot.config import Settings
from bot.dispatcher import create_bot, create_dispatcher
from bot.local_session import WireSession
from bot.middlewares import ContextMiddleware, DedupMiddleware, LogContextMiddleware, ThrottlingMiddleware
from bot.shared_state import Shared
from bot.storage import DialogContextMiddleware
from db.accounts import Passwords

# what each middleware is, as the chain holds it (the payment gate's is a bound method)
MIDDLEWARES: dict[str, Callable[[Any], bool]] = {
    "payment gate (release)": lambda m: getattr(m, "__name__", "") == "release",
    "dialog state and the user's lock": lambda m: isinstance(m, DialogContextMiddleware),
    "log context": lambda m: isinstance(m, LogContextMiddleware),
    "de-duplication (+ throttle verdict)": lambda m: isinstance(m, DedupMiddleware),
    "the user's row and language": lambda m: isinstance(m, ContextMiddleware),
    "throttle": lambda m: isinstance(m, ThrottlingMiddleware),
}


def without(dp: Dispatcher, names: list[str]) -> Dispatcher:
    """`dp` with the named outer middlewares taken out of its chain."""
    for middleware in list(dp.update.outer_middleware):
        if any(MIDDLEWARES[name](middleware) for name in names):
            dp.update.outer_middleware.unregister(middleware)
    return dp


async def one_round(services: Any, first: int, n: int, names: list[str]) -> float:
    """CPU µs per update of one burst of `n` presses, without the named middlewares."""
    session = WireSession()
    bot = create_bot("42:MW", session=session)
    shared = Shared(services.settings)
    dp = without(create_dispatcher(services, shared=shared, routers=[echo_router()]), names)
    updates = [confirm_update(bot, i, f"m{i}") for i in range(first, first + n)]
    burst = await timed_burst([dp.feed_update(bot, u) for u in updates])
    await shared.close()
    edits = sum(1 for c in session.calls if ECHO_MARK in (getattr(c, "text", "") or ""))
    if edits != n:
        raise RuntimeError(f"{edits}/{n} echoes sent without {names or 'nothing'}")
    return burst.cpu_us


async def run(args: argparse.Namespace) -> int:
    async with workspace("bench-mw-", None) as (workdir, models, url):
        settings = Settings(
            database_url=url, models_dir=models, fsm_path=workdir / "fsm.db", log_level="WARNING"
        )
        services = await build_services(
            settings, Passwords(PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
        )
        try:
            await asyncio.gather(*services.tasks)
            n = args.users
            variants: dict[str, list[str]] = {"all": [], **{name: [name] for name in MIDDLEWARES}}
            variants["none"] = list(MIDDLEWARES)
            await make_users(services, n * (len(variants) * args.rounds + 1))
            cpu: dict[str, list[float]] = {v: [] for v in variants}
            await one_round(services, 0, n, [])  # a warm-up: first calls fill caches
            first = n
            for _ in range(args.rounds):  # interleaved: the host's drift touches every variant alike
                for variant, names in variants.items():
                    cpu[variant].append(await one_round(services, first, n, names))
                    first += n
        finally:
            await services.close()
    median = {v: statistics.median(values) for v, values in cpu.items()}
    full = median["all"]
    print(f"\n{n} Confirm presses a round, {args.rounds} rounds · the fair echo · SQLite · WireSession")
    print(f"{'':46}{'CPU µs/update':>14}{'its cost':>10}")
    print(f"{'every middleware':46}{full:14.0f}")
    for name in MIDDLEWARES:
        print(f"{'without ' + name:46}{median[name]:14.0f}{full - median[name]:10.0f}")
    print(f"{'without any':46}{median['none']:14.0f}{full - median['none']:10.0f}")
    spread = max(statistics.pstdev(v) for v in cpu.values())
    print(f"(medians of {args.rounds}; the largest spread of one variant's rounds: ±{spread:.0f} µs)")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=positive_int, default=500)
    parser.add_argument("--rounds", type=positive_int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
