"""The Dispatcher and Bot, wired around a Services."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.fsm.state import State
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import ErrorEvent, Message

from bot.app import Services
from bot.commands import set_profile
from bot.delivery import PaymentAckGate
from bot.handlers import setup_routers
from bot.handlers.admin import ADMIN_COMMANDS
from bot.i18n import I18n
from bot.keyboards import back_to_menu_kb, recovered_kb
from bot.middlewares import (
    CallbackAnswers,
    ContextMiddleware,
    DedupMiddleware,
    LogContextMiddleware,
    ThrottlingMiddleware,
)
from bot.pacer import Pacer, paced_chat
from bot.shared_state import Shared
from bot.storage import DialogContextMiddleware
from db.models import User

log = logging.getLogger(__name__)
NOTICE_RATE = 20.0  # recovery summaries per second (Telegram allows about 30 to different chats)
USER_COMMANDS = (
    "start",
    "predict",
    "balance",
    "history",
    "topup",
    "settings",
    "promo",
    "help",
    "login",
    "cancel",
    "paysupport",
    "terms",
)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Telegram's flood control (429 with retry_after): wait as told and send again.

    A message (a result, a receipt: anything the pacer counts) is never given up on a 429: it is
    sent again after each wait, through the pacer again, until Telegram takes it; the user having
    blocked the bot (403) is the only refusal that ends it. A network or server error is tried
    again a few times, with growing waits (the message may have arrived: a rare duplicate beats a
    lost result). Other calls (answers to button taps: useless late) give up after `attempts`."""

    ERROR_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds, after each network/server error

    def __init__(self, attempts: int = 5, max_wait: float = 60.0) -> None:
        self.attempts = attempts
        self.max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        message = paced_chat(method) is not None
        attempt = errors = 0
        while True:
            attempt += 1
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if not message and (attempt >= self.attempts or exc.retry_after > self.max_wait):
                    raise
                log.warning(
                    "429 on %s: waiting %ss (attempt %d)", type(method).__name__, exc.retry_after, attempt
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramNetworkError, TelegramServerError) as exc:
                if not message or errors >= len(self.ERROR_WAITS):
                    raise
                wait = self.ERROR_WAITS[errors]
                log.warning("%s on %s: trying again in %ss", exc, type(method).__name__, wait)
                await asyncio.sleep(wait)
                errors += 1


def create_bot(
    token: str, api_url: str | None = None, session: BaseSession | None = None, pacer: Pacer | None = None
) -> Bot:
    """A Bot whose calls wait out flood control; with `pacer`, messages also keep under
    Telegram's limits before they go (bot/pacer.py)."""
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    session.middleware(RetryAfterMiddleware())
    if pacer is not None:
        session.middleware(pacer)  # inside the retries: a message sent again waits for a slot again
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def on_error(event: ErrorEvent, i18n: I18n, **_: Any) -> bool:
    """Unexpected errors: the log gets the traceback, the user a short apology with an error id.
    Money is safe regardless: ledger work is transactional and a run left pending is settled
    at the next start."""
    error_id = secrets.token_hex(4)
    update = event.update
    log.error("error %s in update %s", error_id, update.update_id, exc_info=event.exception)
    tg_user = None
    if update.message:
        tg_user = update.message.from_user
    elif update.callback_query:
        tg_user = update.callback_query.from_user
    lang = i18n.pick(None, tg_user.language_code if tg_user else None)
    text = i18n.get(lang, "error", id=error_id)
    try:
        if update.callback_query:
            query = update.callback_query
            try:
                # an alert shows plain text, not HTML
                await query.answer(i18n.get(lang, "error_alert", id=error_id), show_alert=True)
            except TelegramBadRequest:  # the tap was answered before the error: tell it in the chat
                if not isinstance(query.message, Message):
                    raise
                await query.message.answer(text, reply_markup=back_to_menu_kb(i18n.translator(lang)))
        elif update.message:
            await update.message.answer(text, reply_markup=back_to_menu_kb(i18n.translator(lang)))
    except TelegramAPIError:
        log.warning("could not tell the user about error %s", error_id)
    return True


def create_dispatcher(
    services: Services,
    shared: Shared | None = None,
    i18n: I18n | None = None,
    routers: Sequence[Router] | None = None,
) -> Dispatcher:
    """The Dispatcher with our middlewares and routers. `shared` holds what processes share
    (FSM storage, per-user locks, de-duplication, throttling): SQLite/memory or Redis.
    `routers` replaces the bot's own (`setup_routers()`), e.g. a benchmark's echo behind the same
    middlewares."""
    i18n = i18n or I18n()
    shared = shared or Shared(services.settings)
    dp = Dispatcher(
        storage=shared.storage,
        events_isolation=shared.isolation,  # one update at a time per user: no racing dialogs
        disable_fsm=True,  # registered below, in our variant (same place in the chain)
        services=services,
        i18n=i18n,
        shared=shared,
    )
    # the outermost: a payment update opens the polling gate however it ends (see bot/delivery.py)
    gate = PaymentAckGate()
    dp["payment_gate"] = gate
    dp.update.outer_middleware(gate.release)
    dp.fsm = DialogContextMiddleware(
        storage=shared.storage, events_isolation=shared.isolation, dialogs=shared.dialogs
    )
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(LogContextMiddleware(services.inflight))
    throttle = services.settings.throttle_rate > 0
    dp.update.outer_middleware(DedupMiddleware(shared, throttle=throttle))
    dp.update.outer_middleware(ContextMiddleware(services, i18n))
    dp.update.outer_middleware(ThrottlingMiddleware(shared.throttle, enabled=throttle))
    dp.callback_query.middleware(CallbackAnswers())  # every tap answered once, after its handler
    dp.include_routers(*(setup_routers() if routers is None else routers))
    run_pure_filters_inline(dp)
    dp.errors.register(on_error)

    async def drain() -> None:
        """Graceful stop: no new updates are taken by now; let running ones finish first."""
        left = await services.drain(services.settings.shutdown_timeout)
        if left:
            log.warning(
                "%d update(s) still running at shutdown; their predictions settle at next start", left
            )

    dp.shutdown.register(drain)  # shutdown handlers run in order: drain before closing storage
    dp.shutdown.register(shared.close)
    return dp


def run_pure_filters_inline(router: Router) -> None:
    """aiogram (3.31) runs each synchronous filter through `asyncio.to_thread`, a thread hop meant
    for blocking code. Ours are pure and take microseconds: a state check (`Predict.value`), a
    magic filter (`F.document`, NOT_COMMAND). Several of them are tried for every update, and the
    hops cost more than the rest of the routing, so they are called inline instead."""
    for r in router.chain_tail:
        for observer in r.observers.values():
            for handler in observer.handlers:
                for f in handler.filters or ():
                    if not f.awaitable and (f.magic is not None or isinstance(f.callback, State)):
                        f.callback = _awaitable(f.callback)
                        f.awaitable = True


def _awaitable(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return call


async def set_commands(
    bot: Bot, i18n: I18n, admin_ids: Iterable[int] = (), redis: Any = None, redis_prefix: str = ""
) -> bool:
    """The command menus (users', and each admin's) and the descriptions, per language; once per
    version of the texts when processes share Redis (see bot/commands.py). Never raises."""
    return await set_profile(bot, i18n, USER_COMMANDS, ADMIN_COMMANDS, admin_ids, redis, redis_prefix)


async def notify_recovered(bot: Bot, services: Services, i18n: I18n, rate: float = NOTICE_RATE) -> int:
    """Tell each user whose runs recovery settled, in one summary (how many completed, how many
    refunded); returns how many were sent. Each user's runs are claimed in the database first,
    so when several processes start together each user is told once. Sends are paced (`rate`
    per second overall, one per chat, well under Telegram's limits); a user who blocked the bot
    is skipped."""
    sent = 0
    for user_id in await services.predictions.notice_users():
        notice = await services.predictions.claim_notice(user_id)
        if notice is None:
            continue  # another process has told them
        async with services.session_factory() as session:
            user = await session.get(User, user_id)
        if user is None or user.telegram_id is None or user.disabled:
            continue
        t = i18n.translator(i18n.pick(user.language, None))
        text = t(
            "recovered_summary",
            completed=notice.completed,
            refunded=notice.refunded,
            balance=notice.balance,
        )
        try:
            await bot.send_message(user.telegram_id, text, reply_markup=recovered_kb(t))
            sent += 1
        except TelegramForbiddenError:
            log.info("user %d blocked the bot: recovery summary not sent", user_id)
        except TelegramAPIError as exc:
            log.warning("could not send user %d their recovery summary: %s", user_id, exc)
        await asyncio.sleep(1 / rate)
    if sent:
        log.info("recovery summaries sent to %d user(s)", sent)
    return sent


async def recover_and_notify(bot: Bot, services: Services, i18n: I18n) -> int:
    """Start-up's background task: settle the runs the previous stop left pending, then tell
    their users. Never raises: the bot serves regardless (a run not settled stays pending for
    the next start)."""
    try:
        await services.recover()
        return await notify_recovered(bot, services, i18n)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("recovery after start-up failed")
        return 0
