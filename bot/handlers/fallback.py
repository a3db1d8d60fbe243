"""Whatever no other handler took: always an answer, never a silent drop."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.middlewares import TapAnswer
from services.accounts import User


async def unknown_message(message: Message, user: User | None, t: Translator, state: FSMContext) -> None:
    if user is None:
        await message.answer(t("need_registration"))
        return
    await message.answer(t("unknown_input"))


async def unknown_button(
    query: CallbackQuery, callback_answer: TapAnswer, user: User | None, t: Translator
) -> None:
    callback_answer.alert(t("need_registration") if user is None else t("button_expired"))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_message)
    router.callback_query.register(unknown_button)
    return router
