"""Stars refunds against Telegram, with retries for transient failures (a background loop)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.app import Core
from db.models import Payment, PaymentStatus, User
from db.payments import due_refunds, finish_refund

log = logging.getLogger(__name__)


async def call_refund(bot: Bot, telegram_id: int, charge_id: str) -> tuple[str, str]:
    """('ok' | 'already' | 'transient' | 'permanent', error text)."""
    try:
        await bot.refund_star_payment(user_id=telegram_id, telegram_payment_charge_id=charge_id)
        return "ok", ""
    except TelegramBadRequest as exc:
        if "CHARGE_ALREADY_REFUNDED" in exc.message:
            return "already", exc.message
        return "permanent", exc.message
    except (TelegramNetworkError, TelegramServerError, RestartingTelegram, TelegramRetryAfter) as exc:
        return "transient", str(exc)


async def attempt_refund(bot: Bot, core: Core, payment_id: int) -> str:
    """One refund attempt for a payment marked refund_pending; returns its status afterwards."""
    async with core.session_factory() as session:
        payment = await session.get(Payment, payment_id)
        user = await session.get(User, payment.user_id) if payment else None
    if payment is None or user is None or payment.status != PaymentStatus.REFUND_PENDING:
        return payment.status if payment else "missing"
    if user.telegram_id is None:
        result, error = "permanent", "the user has no Telegram account linked"
    else:
        result, error = await call_refund(bot, user.telegram_id, payment.telegram_payment_charge_id)
    async with core.session_factory() as session, session.begin():
        payment = await session.get(Payment, payment_id, with_for_update=True)
        assert payment is not None
        await finish_refund(session, payment, result, error)
        status = payment.status
    log.info("refund of payment %d: %s -> %s %s", payment_id, result, status, error)
    return status


async def retry_due_refunds(bot: Bot, core: Core) -> int:
    async with core.session_factory() as session:
        due = [p.id for p in await due_refunds(session)]
    for payment_id in due:
        await attempt_refund(bot, core, payment_id)
    return len(due)


async def refund_loop(bot: Bot, core: Core, interval: float) -> None:
    while True:
        try:
            await retry_due_refunds(bot, core)
        except Exception:
            log.exception("refund retry round failed")
        await asyncio.sleep(interval)
