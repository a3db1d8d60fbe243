"""Outer middlewares: drop duplicated updates, throttle floods, one DB session per update with the
user loaded (disabled users stop here), the user's language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from bot.app import Services
from bot.events import is_payment
from bot.i18n import I18n
from bot.logs import update_id_var, user_id_var
from bot.shared_state import Shared, Throttle
from db.accounts import detached_user, user_rows_by_telegram_ids
from db.queries import mark_reachable
from grouping import Coalescer

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class LogContextMiddleware(BaseMiddleware):
    """Puts the update id and the Telegram user id into every log line of this update, and keeps
    the update's task in `inflight` so that a shutdown can let it finish."""

    def __init__(self, inflight: set[asyncio.Task[Any]]) -> None:
        self.inflight = inflight

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        tg_user: TgUser | None = data.get("event_from_user")
        tokens = (update_id_var.set(event.update_id), user_id_var.set(tg_user.id if tg_user else None))
        task = asyncio.current_task()
        if task is not None:
            self.inflight.add(task)
        try:
            return await handler(event, data)
        finally:
            if task is not None:
                self.inflight.discard(task)
            update_id_var.reset(tokens[0])
            user_id_var.reset(tokens[1])


class DedupMiddleware(BaseMiddleware):
    """Telegram may deliver an update twice (retries, a restarted poller, two processes behind one
    webhook): handle it once. An update the throttle will judge gets its verdict here too, in
    the same step (one Redis round trip for both); ThrottlingMiddleware acts on it later, once
    the user's language is known."""

    def __init__(self, shared: Shared, throttle: bool = True) -> None:
        self.shared = shared
        self.throttle = throttle

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if is_payment(event):
            # Its charge id de-duplicates it in the database; dropping a redelivery here could lose
            # it if the first delivery's handling died before its commit.
            return await handler(event, data)
        user: TgUser | None = data.get("event_from_user")
        if self.throttle and user is not None and not event.pre_checkout_query:
            first, allowed, warn = await self.shared.admit(event.update_id, user.id)
            data["throttle_verdict"] = allowed, warn
        else:
            first = await self.shared.dedup.first_time(event.update_id)
        if not first:
            log.info("duplicate update %d dropped", event.update_id)
            return None
        return await handler(event, data)


class ThrottlingMiddleware(BaseMiddleware):
    """A token bucket per user (shared by processes through Redis when configured). Over the
    limit, the update is dropped and the user warned once until the bucket refills."""

    def __init__(self, throttle: Throttle, enabled: bool = True) -> None:
        self.throttle = throttle
        self.enabled = enabled

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        if (
            user is None
            or not self.enabled
            or (isinstance(event, Update) and event.pre_checkout_query)
            or is_payment(event)
        ):
            return await handler(event, data)  # a pre-checkout must be answered; a payment recorded
        verdict = data.pop("throttle_verdict", None)
        allowed, warn = verdict if verdict is not None else await self.throttle.hit(user.id)
        if allowed:
            return await handler(event, data)
        if warn:
            log.info("throttled user %d", user.id)
            t = data.get("t")
            text = t("throttled") if t else "Too many requests, slow down."
            if isinstance(event, Update) and event.callback_query:
                await event.callback_query.answer(text)
            elif isinstance(event, Update) and event.message:
                await event.message.answer(text)
        return None


class ContextMiddleware(BaseMiddleware):
    """The Users row of the Telegram user, and their language.

    Concurrent updates read their users with one SELECT (see Coalescer); each update gets its own
    User object, detached: a read-only snapshot. Handlers hold no database session: the services
    they call open and commit their own transactions."""

    def __init__(self, services: Services, i18n: I18n) -> None:
        self.services = services
        self.i18n = i18n
        self._load_user: Coalescer[int, dict[str, Any] | None] = Coalescer(self._load_users, name="users")

    async def _load_users(self, telegram_ids: list[int]) -> list[dict[str, Any] | None]:
        async with self.services.session_factory() as session:
            found = await user_rows_by_telegram_ids(session, telegram_ids)
        return [found.get(i) for i in telegram_ids]

    async def _reachable_again(self, row: dict[str, Any]) -> dict[str, Any]:
        """A user a broadcast found unreachable writes again: broadcasts reach them again. Only
        such a user costs a write (the loaded row says so); everyone else's updates none."""
        async with self.services.session_factory() as session, session.begin():
            await mark_reachable(session, row["id"])
        log.info("user %d can be reached again", row["id"])
        return {**row, "unreachable_at": None}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        row = await self._load_user(tg_user.id) if tg_user else None
        if row is not None and row["unreachable_at"] is not None and _writes(event):
            row = await self._reachable_again(row)
        user = detached_user(row) if row is not None else None
        lang = self.i18n.pick(user.language if user else None, tg_user.language_code if tg_user else None)
        t = self.i18n.translator(lang)
        data.update(user=user, t=t, lang=lang, i18n=self.i18n)
        # in a group, everyone gets the same "open a private chat" (bot/handlers/groups.py): that
        # an account is disabled is said in private only; an admin (ADMIN_IDS) is never locked
        # out: /enable must stay at hand to undo it; payments and /paysupport stay open to all
        admin = tg_user is not None and tg_user.id in self.services.settings.admin_ids
        if (
            user is not None
            and user.disabled
            and not admin
            and not is_payment(event)
            and _private(event)
            and not _reaches_support(event, data)
        ):
            await _tell_blocked(event, t("blocked"))
            log.info("disabled user %d (tg %s) blocked", user.id, tg_user and tg_user.id)
            return None
        return await handler(event, data)


def _private(event: TelegramObject) -> bool:
    """Not from a group chat (a pre-checkout query comes from none: counted as private)."""
    if not isinstance(event, Update):
        return True
    message = event.message or (event.callback_query.message if event.callback_query else None)
    return message is None or message.chat.type == "private"


# What a disabled user may still do: ask about a payment and read the terms (Telegram requires
# both of a bot that takes payments), and finish writing to support.
SUPPORT_COMMANDS = frozenset({"/paysupport", "/terms"})
SUPPORT_STATE = "PaySupport:message"  # bot.states.PaySupport.message
SUPPORT_CALLBACK_PREFIX = "sup:"  # bot.callbacks.SupportCD


def _reaches_support(event: TelegramObject, data: dict[str, Any]) -> bool:
    if not isinstance(event, Update):
        return False
    if event.callback_query is not None:
        return (event.callback_query.data or "").startswith(SUPPORT_CALLBACK_PREFIX)
    if event.message is None:
        return False
    text = event.message.text or ""
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else ""
    if command in SUPPORT_COMMANDS:
        return True
    # the message they write to support (a command other than /cancel is not one)
    return data.get("raw_state") == SUPPORT_STATE and command in ("", "/cancel")


def _writes(event: TelegramObject) -> bool:
    """The user wrote or pressed a button in the chat (not, say, a pre-checkout query)."""
    return isinstance(event, Update) and (event.message is not None or event.callback_query is not None)


async def _tell_blocked(event: TelegramObject, text: str) -> None:
    if not isinstance(event, Update):
        return
    if isinstance(event.callback_query, CallbackQuery):
        await event.callback_query.answer(text, show_alert=True)
    elif isinstance(event.message, Message):
        await event.message.answer(text)
    elif event.pre_checkout_query is not None:
        await event.pre_checkout_query.answer(ok=False, error_message=text)


class TapAnswer(CallbackAnswer):
    """aiogram's CallbackAnswer: a handler sets `text` (and `show_alert`), and the middleware
    answers the tap once the handler returns. `toast`/`alert` set both at once; `send_now`
    answers at once, for a handler with slow work ahead (a paid run), so the spinner stops."""

    def __init__(self, query: CallbackQuery, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = query

    def toast(self, text: str) -> None:
        self.text = text

    def alert(self, text: str) -> None:
        self.text = text
        self.show_alert = True

    async def send_now(self, text: str | None = None) -> None:
        if self.disabled:
            return
        self.disable()  # the middleware must not answer a second time
        await self.query.answer(text if text is not None else self.text, show_alert=self.show_alert)


class CallbackAnswers(CallbackAnswerMiddleware):
    """aiogram's CallbackAnswerMiddleware (every tap answered once, by the middleware), except when
    the handler fails: the error handler answers then, with an alert that says what happened,
    instead of an empty answer that would leave the user with nothing."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answer = data["callback_answer"] = TapAnswer(event, answered=False)
        result = await handler(event, data)
        if not answer.disabled:
            await self.answer(event, answer)
        return result
