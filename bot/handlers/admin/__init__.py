"""The admin console: private chat with an id from ADMIN_IDS. Anyone else is refused and logged."""

from aiogram import Router

from bot.filters import IsAdmin
from bot.handlers.admin import broadcast, confirm, menu, models, payments, promo, refusals, users
from bot.handlers.admin.refusals import ADMIN_COMMANDS


def setup() -> Router:
    admin = Router(name=f"{__name__}.console")  # everything in it is for admins only
    admin.message.filter(IsAdmin())
    admin.callback_query.filter(IsAdmin())
    admin.include_routers(
        menu.setup(),
        users.setup(),
        models.setup(),
        payments.setup(),
        broadcast.setup(),
        promo.setup(),
        confirm.setup(),
    )
    router = Router(name=__name__)
    router.include_routers(admin, refusals.setup())  # refusals: tried only when `admin` did not match
    return router


__all__ = ["ADMIN_COMMANDS", "setup"]
