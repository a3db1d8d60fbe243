"""Admin: Stars refunds."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.i18n import Translator
from bot.refunds import attempt_refund
from bot.render import admin_name, money, quote
from db.engine import unit
from db.errors import InsufficientFunds
from db.models import Payment
from db.payments import PaymentError, find_payment, start_refund

log = logging.getLogger(__name__)


async def refund_cmd(
    message: Message,
    command: CommandObject,
    t: Translator,
    services: Services,
    session: AsyncSession,
    bot: Bot,
) -> None:
    """Refund a Stars purchase: credits back through the ledger first, then Telegram's refund."""
    ref = (command.args or "").strip()
    if not ref:
        await message.answer(t("adm_usage_refund"))
        return
    async with unit(session):
        payment = await find_payment(session, ref)
    if payment is None:
        await message.answer(t("adm_refund_not_found", ref=quote(ref)))
        return
    try:
        async with unit(session):
            locked = await session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
            assert locked is not None
            await start_refund(session, locked)
    except InsufficientFunds as exc:
        await message.answer(
            t("adm_refund_insufficient", balance=money(exc.balance), amount=money(exc.amount))
        )
        return
    except PaymentError as exc:
        await message.answer(t("adm_refund_already") if exc.code == "already_refunded" else escape(str(exc)))
        return
    log.info("%s refunds payment %d (%d stars)", admin_name(message.from_user), payment.id, payment.stars)
    status = await attempt_refund(bot, services, payment.id, alert=False)
    async with unit(session):
        await session.refresh(payment)
    key = {"refunded": "adm_refund_done", "refund_pending": "adm_refund_retrying"}.get(
        status, "adm_refund_failed"
    )
    await message.answer(
        t(
            key,
            stars=payment.stars,
            credits=money(payment.credits),
            id=payment.id,
            error=escape(payment.refund_error or ""),
        )
    )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(refund_cmd, Command("refund"))
    return router
