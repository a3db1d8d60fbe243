"""/settings (and /language, which opens the same screen): the language, notifications and charts
with results, on one screen that changes in place."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import LangCD, MenuCD, SettingsCD
from bot.filters import Registered
from bot.i18n import I18n, Translator
from bot.keyboards import settings_kb
from bot.middlewares import TapAnswer
from bot.replies import Screen, edit_or_send
from services.accounts import Switch, User


def settings_screen(t: Translator, i18n: I18n, user: User) -> Screen:
    notifications = user.notifications is not False  # None: a snapshot from before 0007 (default on)
    pictures = user.pictures is not False
    text = t("settings_screen", notifications=t("settings_on" if notifications else "settings_off"))
    on = t("settings_pictures_on" if pictures else "settings_pictures_off")
    text += "\n\n" + t("settings_pictures", on=on)
    return Screen(text, settings_kb(t, i18n.languages, t.lang, notifications, pictures))


async def settings_cmd(
    message: Message, state: FSMContext, user: User | None, t: Translator, i18n: I18n
) -> None:
    if user is None:
        await message.answer(t("need_registration"))
        return
    await state.clear()
    screen = settings_screen(t, i18n, user)
    await message.answer(screen.text, reply_markup=screen.markup)


async def settings_cb(query: CallbackQuery, state: FSMContext, user: User, t: Translator, i18n: I18n) -> None:
    if not isinstance(query.message, Message):
        return
    await state.clear()
    screen = settings_screen(t, i18n, user)
    await edit_or_send(query.message, screen.text, screen.markup, edit=True)


async def set_language_cb(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: LangCD,
    user: User,
    i18n: I18n,
    services: Services,
) -> None:
    if callback_data.code not in i18n.languages:
        return
    t = i18n.translator(callback_data.code)
    if user.language != callback_data.code:
        await services.accounts.set_language(user, callback_data.code)
    callback_answer.toast(t("language_set"))
    if isinstance(query.message, Message):
        screen = settings_screen(t, i18n, user)
        await edit_or_send(query.message, screen.text, screen.markup, edit=True)


# a switch's callback action -> the user's field it sets, and the toasts for on and off
SWITCHES: dict[str, tuple[Switch, str, str]] = {
    "notify": ("notifications", "notifications_turned_on", "notifications_turned_off"),
    "pictures": ("pictures", "pictures_turned_on", "pictures_turned_off"),
}


async def switch_cb(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: SettingsCD,
    user: User,
    t: Translator,
    i18n: I18n,
    services: Services,
) -> None:
    """Notifications or pictures on or off. The button carries the value it sets: a double tap
    sets it twice, never flips it back."""
    field, turned_on, turned_off = SWITCHES[callback_data.action]
    on = callback_data.code == "on"
    if getattr(user, field) is not on:
        await services.accounts.set_switch(user, field, on)
    callback_answer.toast(t(turned_on if on else turned_off))
    if isinstance(query.message, Message):
        screen = settings_screen(t, i18n, user)
        await edit_or_send(query.message, screen.text, screen.markup, edit=True)


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Registered())  # anyone else's taps: the fallback asks them to register
    router.message.register(settings_cmd, Command("settings", "language"))
    router.callback_query.register(settings_cb, MenuCD.filter(F.action.in_({"settings", "language"})))
    router.callback_query.register(set_language_cb, LangCD.filter())
    router.callback_query.register(switch_cb, SettingsCD.filter(F.action.in_(SWITCHES)))
    return router
