"""python -m bot            long polling (needs BOT_TOKEN), or the webhook server when MODE=webhook
python -m bot --console  chat with the real dispatcher in this terminal: no Telegram, no token"""

from __future__ import annotations

import argparse
import gc
import logging
import sys

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot.app import build_services, run
from bot.config import Settings
from bot.dispatcher import create_bot, create_dispatcher, recover_and_notify, set_commands
from bot.i18n import I18n
from bot.logs import setup_logging
from bot.refunds import refund_loop
from bot.shared_state import Shared
from bot.star_sync import StarSync, star_sync_loop

log = logging.getLogger("bot")
GC_YOUNG_THRESHOLD = 200_000  # allocations between young-generation passes (Python's default: 700)


def tune_gc() -> None:
    """What start-up loaded (modules, models, the catalogue) lives as long as the process: take it
    out of the cycle collector's sight, and let the young generation grow larger before a pass.
    With the defaults, a burst of 500 updates spent about 40% of its time in the collector,
    re-scanning those long-lived objects (measured with bench/bench_predictions.py). The young
    generation's size: 500 updates in flight hold about 50,000 objects, and a pass over them
    costs about 20 ms, so at 50,000 every burst paid one; at 200,000 one in four does. Little of
    it is cyclic garbage (about 13 objects per update), so memory does not grow with it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)


async def run_polling(settings: Settings) -> int:
    services = await build_services(settings)
    tune_gc()
    i18n = I18n()
    shared = Shared(settings)
    bot = create_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url, pacer=shared.pacer)
    dp = create_dispatcher(services, shared=shared, i18n=i18n)
    bot.session.middleware(dp["payment_gate"])  # payments committed before they are confirmed
    try:
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            log.error("Telegram rejected BOT_TOKEN: check the token from @BotFather")
            return 1
        except TelegramNetworkError as exc:
            log.error(
                "cannot reach the Bot API at %s: %s", settings.telegram_api_url or "api.telegram.org", exc
            )
            return 1
        log.info("polling as @%s (id %d)", me.username, me.id)
        await set_commands(bot, i18n, settings.admin_ids, shared.redis, settings.redis_prefix)
        # in the background: updates are served from the start, while leftovers are settled
        services.spawn(recover_and_notify(bot, services, i18n))
        services.spawn(refund_loop(bot, services, settings.refund_retry_seconds))
        sync = StarSync(bot, services, i18n, settings.stars_sync_depth)
        dp["payment_gate"].on_lost = sync.wake  # a payment confirmed without its commit: look now
        services.spawn(star_sync_loop(sync, settings.stars_sync_seconds))
        await dp.start_polling(bot, handle_signals=True, close_bot_session=True)
        return 0
    finally:
        await bot.session.close()
        await services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--console", action="store_true", help="chat in the terminal instead of Telegram")
    args = parser.parse_args(argv)
    settings = Settings()
    setup_logging(settings.log_level, settings.log_format)
    if args.console:
        from bot.console import run_console

        return run(run_console(settings))
    if not settings.bot_token.get_secret_value():
        print(
            "BOT_TOKEN is not set: put it in .env or the environment (see .env.example),\n"
            "or try the bot without Telegram: python -m bot --console",
            file=sys.stderr,
        )
        return 2
    if settings.mode == "webhook":
        from bot.webhook import run_webhook

        return run(run_webhook(settings, ready=tune_gc))
    return run(run_polling(settings))


if __name__ == "__main__":
    sys.exit(main())
