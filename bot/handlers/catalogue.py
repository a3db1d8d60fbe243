"""The model catalogue and a model's card."""

from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.callbacks import MenuCD, ModelCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import (
    back_to_menu_kb,
    catalogue_kb,
    model_card_kb,
)
from bot.middlewares import TapAnswer
from bot.render import (
    expected_text,
    money,
    value_text,
)
from bot.replies import edit_or_send, quote_for_button
from db.engine import unit
from db.errors import DomainError
from db.models import User
from db.queries import list_models
from ml.schema import ModelMeta
from services.predictions import Quote

log = logging.getLogger(__name__)


CARD_FEATURES = 12


async def show_catalogue(
    message: Message, t: Translator, services: Services, session: AsyncSession, edit: bool
) -> None:
    async with unit(session):
        models = await list_models(session)
        await services.predictions.refresh(session)  # models stored or replaced by another process
    items = []
    for m in models:
        try:
            items.append((m.name, services.registry.meta(m.name).title, m.cost))
        except DomainError:
            continue
        except Exception:
            log.warning("model %s has a row but no metadata", m.name)
    if not items:
        await edit_or_send(message, t("catalogue_empty"), back_to_menu_kb(t), edit)
        return
    await edit_or_send(message, t("catalogue"), catalogue_kb(t, items), edit)  # type: ignore[arg-type]


async def predict_cmd(
    message: Message, state: FSMContext, t: Translator, services: Services, session: AsyncSession
) -> None:
    await state.clear()
    await show_catalogue(message, t, services, session, edit=False)


async def predict_cb(
    query: CallbackQuery, state: FSMContext, t: Translator, services: Services, session: AsyncSession
) -> None:
    await state.clear()
    if isinstance(query.message, Message):
        await show_catalogue(query.message, t, services, session, edit=True)


def metric_text(t: Translator, meta: ModelMeta) -> str:
    if "accuracy" in meta.metrics:
        return t("metric_accuracy", value=f"{meta.metrics['accuracy'] * 100:.1f}")
    if "r2" in meta.metrics:
        return t("metric_r2", r2=f"{meta.metrics['r2']:.2f}", mae=f"{meta.metrics.get('mae', 0):g}")
    return ""


def card_text(t: Translator, quote: Quote) -> str:
    meta = quote.meta
    lines = [
        f"• <code>{escape(f.name)}</code> — {escape(f.description)} ({expected_text(t, f)})"
        for f in meta.features[:CARD_FEATURES]
    ]
    if len(meta.features) > CARD_FEATURES:
        lines.append(t("card_more_inputs", count=len(meta.features) - CARD_FEATURES))
    example = ", ".join(value_text(f.example) for f in meta.features)
    text = t(
        "model_card",
        title=escape(meta.title),
        description=escape(meta.description),
        algorithm=escape(meta.algorithm),
        metric=metric_text(t, meta),
        count=len(meta.features),
        inputs="\n".join(lines),
        cost=money(quote.cost),
        balance=money(quote.balance),
        example=example,
    )
    if not quote.affordable:
        text += "\n\n" + t("insufficient", cost=money(quote.cost), balance=money(quote.balance))
    return text


async def model_card(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ModelCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
    session: AsyncSession,
) -> None:
    quoted = await quote_for_button(query, callback_answer, services, session, user, callback_data.name, t)
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
