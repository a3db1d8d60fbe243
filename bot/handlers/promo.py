"""/promo CODE: a promo code's credits, once per account (also from the deep link
t.me/<bot>?start=promo_CODE, see registration)."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.app import Services
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb
from bot.render import quote
from services.accounts import User
from services.promos import PromoError

log = logging.getLogger(__name__)


async def redeem(
    message: Message, t: Translator, user: User, services: Services, code: str, menu_button: bool = True
) -> bool:
    """Redeem `code` for the user and say how it went (with a Menu button, unless the menu
    follows); True if credited."""
    kb = back_to_menu_kb(t) if menu_button else None
    try:
        done = await services.promos.redeem(user.id, code)
    except PromoError as exc:
        log.info("promo code refused for user %d: %s", user.id, exc.code)
        shown = quote(code.strip().upper(), 40)
        await message.answer(t(f"promo_err_{exc.code}", code=shown), reply_markup=kb)
        return False
    log.info("user %d redeemed promo code %s for %s", user.id, done.code, done.credits)
    text = t("promo_redeemed", code=quote(done.code), credits=done.credits, balance=done.balance)
    await message.answer(text, reply_markup=kb)
    return True


async def promo_cmd(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    user: User | None,
    t: Translator,
    services: Services,
) -> None:
    if user is None:
        await message.answer(t("need_registration"))
        return
    await state.clear()
    if not command.args or not command.args.strip():
        await message.answer(t("promo_usage"), reply_markup=back_to_menu_kb(t))
        return
    await redeem(message, t, user, services, command.args.strip())


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(promo_cmd, Command("promo"))
    return router
