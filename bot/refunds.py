"""Stars refunds against Telegram, with retries for transient failures (a background loop)."""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from html import escape

from aiogram import Bot
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
)

from bot.alerts import tell_admins, tell_user
from bot.app import Services
from bot.i18n import I18n
from services.payments import PaymentStatus

log = logging.getLogger(__name__)


async def call_refund(bot: Bot, telegram_id: int, charge_id: str) -> tuple[str, str]:
    """('ok' | 'already' | 'transient' | 'permanent', error text). Only a Bad Request is a
    refusal; anything else Telegram (or the network) answers is tried again later."""
    try:
        await bot.refund_star_payment(user_id=telegram_id, telegram_payment_charge_id=charge_id)
        return "ok", ""
    except TelegramBadRequest as exc:
        if "CHARGE_ALREADY_REFUNDED" in exc.message:
            return "already", exc.message
        return "permanent", exc.message
    except (TelegramAPIError, TelegramNetworkError, RestartingTelegram) as exc:
        return "transient", str(exc)


async def attempt_refund(bot: Bot, services: Services, payment_id: int, *, alert: bool = True) -> str:
    """One refund attempt for a payment marked refund_pending; returns its status afterwards.

    The attempt is claimed in the database first (one at a time, across processes), and its
    answer settles only the round it was made for. The Stars go to the payer's Telegram
    account (whatever account their payment credited since). `alert` (the retry loop's
    attempts): tell the payer when a refund goes through and the admins when one is given up
    (the /refund command tells its admin, and the payer, itself)."""
    claim = await services.payments.claim_refund(payment_id)  # committed before Telegram is asked
    if not claim.taken:
        return claim.status
    if claim.payer_telegram_id is None:
        result, error = "permanent", "no Telegram account to return the Stars to"
    else:
        result, error = await call_refund(bot, claim.payer_telegram_id, claim.charge_id)
    settled = await services.payments.finish_refund(claim, result, error)
    status = settled.status
    log.info("refund of payment %d (round %d): %s -> %s %s", payment_id, claim.round, result, status, error)
    if alert and status == PaymentStatus.REFUNDED and settled.before != status:
        await _tell_payer(bot, services, payment_id)
    if alert and status == PaymentStatus.REFUND_FAILED and settled.before != status:
        await tell_admins(
            bot,
            services,
            _i18n(),
            "adm_refund_gave_up",
            id=payment_id,
            stars=settled.stars,
            user=settled.user_id if settled.user_id is not None else "—",
            error=escape(error[:200]),
        )
    return status


async def _tell_payer(bot: Bot, services: Services, payment_id: int) -> None:
    """A refund retried until it went through: the account it credited hears so, as after /refund."""
    found = await services.admin.payment(payment_id)
    if found is None:
        return
    line, user = found
    if user is None:
        return
    words = {"stars": line.stars, "order": line.number, "credits": line.credits}
    told = await tell_user(bot, services, _i18n(), user, "notice_refunded", **words)
    log.info("payer of refunded payment %d: %s", payment_id, told)


@cache
def _i18n() -> I18n:
    return I18n()


async def retry_due_refunds(bot: Bot, services: Services) -> int:
    due = await services.payments.due_refunds()
    for payment_id in due:
        try:
            await attempt_refund(bot, services, payment_id)
        except Exception:  # one payment's trouble never holds up the others
            log.exception("refund attempt of payment %d failed", payment_id)
    return len(due)


async def refund_loop(bot: Bot, services: Services, interval: float) -> None:
    while True:
        try:
            await retry_due_refunds(bot, services)
        except Exception:
            log.exception("refund retry round failed")
        await asyncio.sleep(interval)
