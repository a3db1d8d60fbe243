"""Admin: promo codes. /promo_new CODE CREDITS [MAX_USES] [DAYS], /promos, /promo_off CODE."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.app import Services
from bot.handlers.groups import private_link
from bot.i18n import Translator
from bot.render import admin_name, quote
from services.promos import PromoError, PromoInfo

log = logging.getLogger(__name__)


def promo_details(t: Translator, promo: PromoInfo) -> str:
    limit = str(promo.max_uses) if promo.max_uses is not None else t("adm_promo_no_limit")
    until = (
        t("adm_promo_until", date=promo.expires_at.strftime("%Y-%m-%d %H:%M"))
        if promo.expires_at is not None
        else t("adm_promo_forever")
    )
    return t(
        "adm_promo_details",
        credits=promo.credits,
        uses=promo.uses,
        limit=limit,
        until=until,
        status=t(f"adm_promo_status_{promo.status}"),
    )


async def promo_new_cmd(
    message: Message, command: CommandObject, t: Translator, services: Services, bot: Bot
) -> None:
    args = (command.args or "").split()
    if not 2 <= len(args) <= 4:
        await message.answer(t("adm_promo_usage"))
        return
    code, credits, *rest = args
    uses = rest[0] if rest else None
    days = rest[1] if len(rest) > 1 else None
    try:
        promo = await services.promos.create(
            code, credits, uses, days, created_by=admin_name(message.from_user)
        )
    except PromoError as exc:
        text = t(f"adm_promo_err_{exc.code}", code=quote(code.upper(), 40))
        await message.answer(f"{text}\n{t('adm_promo_usage')}" if exc.code != "exists" else text)
        return
    log.info(
        "%s created promo code %s (%s credits)", admin_name(message.from_user), promo.code, promo.credits
    )
    link = await private_link(bot, f"promo_{promo.code}")
    await message.answer(t("adm_promo_created", code=promo.code, details=promo_details(t, promo), link=link))


async def promos_cmd(message: Message, t: Translator, services: Services) -> None:
    found = await services.promos.listing()
    if not found.items:
        await message.answer(t("adm_promos_empty"))
        return
    items = "\n".join(f"• <code>{p.code}</code> · {promo_details(t, p)}" for p in found.items)
    await message.answer(t("adm_promos", total=found.total, items=items))


async def promo_off_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    raw = (command.args or "").strip()
    if not raw:
        await message.answer(t("adm_promo_off_usage"))
        return
    try:
        code = await services.promos.switch_off(raw)
    except PromoError as exc:
        await message.answer(t(f"adm_promo_err_{exc.code}", code=quote(raw.upper(), 40)))
        return
    log.info("%s switched promo code %s off", admin_name(message.from_user), code)
    await message.answer(t("adm_promo_off_done", code=code))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(promo_new_cmd, Command("promo_new"))
    router.message.register(promos_cmd, Command("promos"))
    router.message.register(promo_off_cmd, Command("promo_off"))
    return router
