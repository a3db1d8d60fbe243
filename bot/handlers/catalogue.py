"""The model catalogue and a model's card."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import MenuCD, ModelCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, catalogue_kb, model_card_kb
from bot.middlewares import TapAnswer
from bot.render import card_text
from bot.replies import edit_or_send, quote_for_button
from services.accounts import User


async def show_catalogue(message: Message, t: Translator, services: Services, edit: bool) -> None:
    items = await services.catalogue.listing(t.lang)
    if not items:
        await edit_or_send(message, t("catalogue_empty"), back_to_menu_kb(t), edit)
        return
    kb = catalogue_kb(t, [(m.name, m.title, m.cost) for m in items])
    await edit_or_send(message, t("catalogue"), kb, edit)


async def predict_cmd(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    await state.clear()
    await show_catalogue(message, t, services, edit=False)


async def predict_cb(query: CallbackQuery, state: FSMContext, t: Translator, services: Services) -> None:
    await state.clear()
    if isinstance(query.message, Message):
        await show_catalogue(query.message, t, services, edit=True)


async def model_card(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ModelCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
) -> None:
    quoted = await quote_for_button(query, callback_answer, services, user, callback_data.name, t)
    if quoted is None:
        return
    message, quote = quoted
    await state.clear()
    await edit_or_send(
        message, card_text(t, quote), model_card_kb(t, callback_data.name, quote.affordable), True
    )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(predict_cmd, Command("predict"))
    router.callback_query.register(predict_cb, MenuCD.filter(F.action == "predict"))
    router.callback_query.register(model_card, ModelCD.filter(F.action == "card"))
    return router
