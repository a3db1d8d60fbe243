"""Whatever no other handler took: always an answer, never a silent drop, and never a dead end:
each answer has a way on under it (the menu, or registration for someone without an account)."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb
from bot.middlewares import TapAnswer
from bot.replies import replace_with_menu
from services.accounts import User


async def unknown_message(message: Message, user: User | None, t: Translator, state: FSMContext) -> None:
    if user is None:
        await message.answer(t("need_registration"))
        return
    await message.answer(t("unknown_input"), reply_markup=back_to_menu_kb(t))


async def unknown_button(
    query: CallbackQuery, callback_answer: TapAnswer, user: User | None, t: Translator
) -> None:
    """A stale or unknown button: said so in an alert, and the message it was on gets a Menu
    button in place of its old ones, so the next tap leads somewhere."""
    callback_answer.alert(t("need_registration") if user is None else t("button_expired"))
    if user is not None and isinstance(query.message, Message):
        await replace_with_menu(query.message, t)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_message)
    router.callback_query.register(unknown_button)
    return router
