"""Admin: Stars refunds."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.app import Services
from bot.i18n import Translator
from bot.refunds import attempt_refund
from bot.render import admin_name, quote
from services.payments import InsufficientFunds, PaymentError

log = logging.getLogger(__name__)


async def refund_cmd(
    message: Message,
    command: CommandObject,
    t: Translator,
    services: Services,
    bot: Bot,
) -> None:
    """Refund a Stars purchase: credits back through the ledger first, then Telegram's refund."""
    ref = (command.args or "").strip()
    if not ref:
        await message.answer(t("adm_usage_refund"))
        return
    try:
        started = await services.payments.start_refund(ref)  # committed before Telegram is asked
    except InsufficientFunds as exc:
        await message.answer(t("adm_refund_insufficient", balance=exc.balance, amount=exc.amount))
        return
    except PaymentError as exc:
        await message.answer(t("adm_refund_already") if exc.code == "already_refunded" else escape(str(exc)))
        return
    if started is None:
        await message.answer(t("adm_refund_not_found", ref=quote(ref)))
        return
    log.info(
        "%s refunds payment %d (%d stars)", admin_name(message.from_user), started.payment_id, started.stars
    )
    status = await attempt_refund(bot, services, started.payment_id, alert=False)
    payment = await services.payments.refund_state(started.payment_id)
    key = {"refunded": "adm_refund_done", "refund_pending": "adm_refund_retrying"}.get(
        status, "adm_refund_failed"
    )
    await message.answer(
        t(
            key,
            stars=payment.stars,
            credits=payment.credits,
            id=payment.payment_id,
            error=escape(payment.error),
        )
    )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(refund_cmd, Command("refund"))
    return router
