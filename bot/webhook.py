"""Webhook mode: an aiohttp server for Telegram's calls, with a secret token and a health check.

Requests to the webhook path without the right `X-Telegram-Bot-Api-Secret-Token` get 401 and
change nothing (aiogram's SimpleRequestHandler checks it). Several processes may serve the same
URL behind a load balancer when they share PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web
from sqlalchemy import text

from bot.app import Services, build_services
from bot.config import Settings
from bot.delivery import PaymentFirstRequestHandler, WebhookAnswers
from bot.dispatcher import create_bot, create_dispatcher, recover_and_notify, set_commands
from bot.i18n import I18n
from bot.refunds import refund_loop
from bot.shared_state import Shared
from bot.star_sync import StarSync, star_sync_loop

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 5.0  # seconds a health check may take before its part counts as degraded


def webhook_url(settings: Settings) -> str:
    return settings.webhook_url.rstrip("/") + settings.webhook_path


async def probe(name: str, check: Coroutine[Any, Any, bool]) -> str:
    """The state of one part: "ok", or "degraded" if its check fails or takes too long (the
    reason goes to the log)."""
    try:
        if await asyncio.wait_for(check, HEALTH_TIMEOUT):
            return "ok"
        log.warning("health: %s answered, but not ok", name)
    except Exception as exc:
        log.warning("health: %s unavailable: %s: %s", name, type(exc).__name__, exc)
    return "degraded"


def create_app(services: Services, bot: Bot, dp: Dispatcher, shared: Shared, i18n: I18n) -> web.Application:
    settings = services.settings
    secret = settings.webhook_secret.get_secret_value()
    if not secret:
        raise ValueError("webhook mode needs WEBHOOK_SECRET")
    app = web.Application()
    answers = WebhookAnswers()
    bot.session.middleware(answers)  # a tap's answer rides back in the webhook's response
    PaymentFirstRequestHandler(
        dispatcher=dp, bot=bot, session_factory=services.session_factory, answers=answers, secret_token=secret
    ).register(app, path=settings.webhook_path)

    async def database_ok() -> bool:
        async with services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def health(_: web.Request) -> web.Response:
        """Anyone may ask, so it says only "ok" or "degraded" for each part; why, the log says."""
        checks = {"database": await probe("database", database_ok())}
        if shared.redis is not None:
            checks["redis"] = await probe("redis", shared.ping())
        healthy = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if healthy else "degraded", **checks}
        return web.json_response(body, status=200 if healthy else 503)

    app.router.add_get(settings.health_path, health)

    async def on_startup() -> None:
        if settings.webhook_set_on_start:
            await bot.set_webhook(
                webhook_url(settings),
                secret_token=secret,
                allowed_updates=dp.resolve_used_update_types(),
                drop_pending_updates=False,
            )
            log.info("webhook set to %s", webhook_url(settings))
        await set_commands(bot, i18n, settings.admin_ids, shared.redis, settings.redis_prefix)
        services.spawn(recover_and_notify(bot, services, i18n))  # in the background: serving starts now
        services.spawn(refund_loop(bot, services, settings.refund_retry_seconds))
        services.spawn(
            star_sync_loop(
                StarSync(bot, services, i18n, settings.stars_sync_depth), settings.stars_sync_seconds
            )
        )

    async def on_shutdown() -> None:
        if settings.webhook_delete_on_shutdown:
            with suppress(Exception):
                await bot.delete_webhook()
                log.info("webhook deleted")

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    setup_application(app, dp, bot=bot)
    return app


async def run_webhook(
    settings: Settings, routers: Sequence[Router] | None = None, ready: Callable[[], None] | None = None
) -> int:
    """Serve until SIGTERM/SIGINT. `routers` replaces the bot's handlers (the webhook benchmark's
    echo floor runs this same server, middlewares and all, with an echo router). `ready` runs once
    the services are built (the process's GC tuning, from __main__)."""
    if not settings.webhook_url or not settings.webhook_secret.get_secret_value():
        log.error("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET (see .env.example)")
        return 2
    services = await build_services(settings)
    if ready is not None:
        ready()
    i18n = I18n()
    shared = Shared(settings)
    bot = create_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url, pacer=shared.pacer)
    dp = create_dispatcher(services, shared=shared, i18n=i18n, routers=routers)
    runner = web.AppRunner(create_app(services, bot, dp, shared, i18n), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    log.info("webhook server on %s:%d%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        log.info("stopping: no new updates; letting running ones finish")
    finally:
        await runner.cleanup()  # stops the listener, then dispatcher shutdown: drain, close storage
        await bot.session.close()
        await services.close()
    return 0
