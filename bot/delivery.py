"""Payments are committed before Telegram is told they were received.

Telegram delivers an update again only while it is unconfirmed. A `successful_payment` confirmed
before its handler committed is lost for good if the process dies in between, so:

- Long polling confirms updates by asking getUpdates for the next offset. `PaymentAckGate` holds
  that next getUpdates while a payment update of the last batch is still being handled (other
  updates keep running as tasks, as before). Payment updates are noted when getUpdates returns
  them, before aiogram hands them to tasks, so none can slip past the gate.
- Webhook mode (`PaymentFirstRequestHandler`) answers a payment update only after it was handled,
  and only with 200 if its charge is in the database: otherwise 500, and Telegram sends it again.
  Other updates are still answered at once and handled in the background.

(Webhook mode also hands the answer to a button tap back in the HTTP response: `WebhookAnswers`.)

Neither covers everything (a payment confirmed by an old process, a lost webhook call, a bug):
reconciliation against getStarTransactions (bot/star_sync.py) is the backstop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import AnswerCallbackQuery, GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.events import is_payment
from bot.middlewares import Handler
from db.models import Payment

log = logging.getLogger(__name__)
# What the payment handler returns once it is done with a payment (recorded, or matched to no
# account and handed to the admins): the webhook may then answer 200.
PAYMENT_DONE = "payment-done"


def _is_poll(method: object) -> bool:
    return isinstance(method, GetUpdates)  # (a function: `method` stays generic for mypy)


class PaymentAckGate(BaseRequestMiddleware):
    """A request middleware for getUpdates, and an outer update middleware (`release`).

    A payment update is held from the getUpdates answer that brings it until its handler has
    committed it (`settled`, called right after the commit: the messages that follow do not keep
    the bot waiting), or its handling ended without that (it failed, or was dropped): then the
    update is let go, and `on_lost` asks for a reconciliation with Telegram's record at once,
    which will find the payment. A payment still held after `timeout` is let go the same way."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.on_lost: Callable[[], None] = lambda: None  # polling sets it: wake the star sync
        self._held: set[int] = set()
        self._clear = asyncio.Event()
        self._clear.set()

    @property
    def held(self) -> int:
        return len(self._held)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not _is_poll(method):
            return await make_request(bot, method)
        if self._held:
            try:
                await asyncio.wait_for(self._clear.wait(), self.timeout)
            except TimeoutError:
                log.error("payment update(s) %s not committed in time: letting go", sorted(self._held))
                for update_id in list(self._held):
                    self._let_go(update_id, lost=True)
        response = await make_request(bot, method)
        # (the chain passes the method's result along, despite the Response annotation)
        updates = response if isinstance(response, list) else getattr(response, "result", None) or []
        for update in updates:
            if isinstance(update, Update) and is_payment(update):
                self._held.add(update.update_id)
                self._clear.clear()
        return response

    def settled(self, update_id: int) -> None:
        """The payment of this update is committed."""
        self._let_go(update_id, lost=False)

    def _let_go(self, update_id: int, lost: bool) -> None:
        if update_id not in self._held:
            return
        self._held.discard(update_id)
        if not self._held:
            self._clear.set()
        if lost:
            self.on_lost()

    async def release(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Outer update middleware, registered first: however the update's handling ends, the
        gate does not wait for it any longer (it was settled, or is lost: see on_lost)."""
        try:
            return await handler(event, data)
        finally:
            if isinstance(event, Update) and event.update_id in self._held:
                log.error("payment update %d ended without a commit", event.update_id)
                self._let_go(event.update_id, lost=True)


class WebhookAnswers(BaseRequestMiddleware):
    """Answers to button taps ride back in the webhook's HTTP response.

    Telegram runs a method given in the response to its webhook call, which saves the bot one
    request of its own per tap. The webhook handler registers a tap's query id while its request
    is still open (`expect`); the first answerCallbackQuery for it is handed to that request
    instead of being sent (and reports success: Telegram does not tell how a method in a
    response went, and a lost answer only leaves the button's spinner until it times out). Once
    the request has been answered (`forget`), answers go over HTTP as usual."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[AnswerCallbackQuery]] = {}

    def expect(self, query_id: str) -> asyncio.Future[AnswerCallbackQuery] | None:
        if query_id in self._waiting:  # the same tap delivered twice at once: the first waits
            return None
        future: asyncio.Future[AnswerCallbackQuery] = asyncio.get_running_loop().create_future()
        self._waiting[query_id] = future
        return future

    def forget(self, query_id: str) -> None:
        future = self._waiting.pop(query_id, None)
        if future is not None and not future.done():
            future.cancel()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, AnswerCallbackQuery):
            future = self._waiting.pop(method.callback_query_id, None)
            if future is not None and not future.done():
                future.set_result(method)
                return True  # type: ignore[return-value]  # (the chain passes results, see above)
        return await make_request(bot, method)


def webhook_reply(method: AnswerCallbackQuery) -> dict[str, Any]:
    """The JSON body that has Telegram run `method` (only the fields that are set)."""
    return {"method": method.__api_method__, **method.model_dump(mode="json", exclude_none=True)}


# How long a webhook response waits for the tap's answer to ride back in it; a later answer goes
# as a request of its own.
ANSWER_WAIT = 1.0


class PaymentFirstRequestHandler(SimpleRequestHandler):
    """Webhook: payments in the foreground (answered after the commit), the rest in the
    background; a tap's answer goes back in the response when it comes within `answer_wait`."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        answers: WebhookAnswers | None = None,
        answer_wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(dispatcher=dispatcher, bot=bot, handle_in_background=True, **kwargs)
        self.session_factory = session_factory
        self.answers = answers
        self.answer_wait = ANSWER_WAIT if answer_wait is None else answer_wait

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        raw = await request.json(loads=bot.session.json_loads)
        message = raw.get("message") or {}
        charge = (message.get("successful_payment") or {}).get("telegram_payment_charge_id")
        if charge:
            return await self._payment(bot, raw, charge)
        query_id = (raw.get("callback_query") or {}).get("id")
        answer = self.answers.expect(str(query_id)) if query_id and self.answers else None
        task = asyncio.create_task(self._background_feed_update(bot=bot, update=raw))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._background_feed_update_tasks.discard)
        if answer is None or self.answers is None:
            return web.json_response({})
        await asyncio.wait((answer, task), timeout=self.answer_wait, return_when=asyncio.FIRST_COMPLETED)
        self.answers.forget(str(query_id))
        if answer.done() and not answer.cancelled():
            return web.json_response(webhook_reply(answer.result()), dumps=bot.session.json_dumps)
        return web.json_response({})

    async def _payment(self, bot: Bot, raw: dict[str, Any], charge: str) -> web.Response:
        result = await self.dispatcher.feed_raw_update(bot=bot, update=raw, **self.data)
        if isinstance(result, TelegramMethod):
            await self.dispatcher.silent_call_request(bot=bot, result=result)
        if result != PAYMENT_DONE and not await self._recorded(charge):
            log.error("payment %s not recorded: answering 500 so that Telegram sends it again", charge)
            return web.json_response({"ok": False}, status=500)
        return web.json_response({})

    async def _recorded(self, charge: str) -> bool:
        try:
            async with self.session_factory() as session:
                found = await session.scalar(
                    select(Payment.id).where(Payment.telegram_payment_charge_id == charge)
                )
        except Exception:
            log.exception("could not check payment %s", charge)
            return False
        return found is not None
