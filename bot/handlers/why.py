""" "Why?" under a result: the inputs' contributions as a chart, with one plain sentence. Free.
Only the prediction's owner gets it (the id in the callback data is checked against the user)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import PredCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.middlewares import TapAnswer
from bot.pictures import PictureScreen, send_with_picture, why_chart, why_sentence
from bot.render import words
from ml.explain import Unsupported
from services.accounts import User
from services.explanations import NotExplainable


async def why_cb(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: PredCD,
    user: User,
    t: Translator,
    services: Services,
) -> None:
    if not isinstance(query.message, Message):
        return
    try:
        why = await services.explanations.why(user.id, callback_data.id)  # off the loop, kept
    except NotExplainable as exc:
        callback_answer.alert(t(f"why_{exc.code}"))
        return
    await callback_answer.send_now()
    if isinstance(why.explanation, Unsupported):
        await query.message.answer(t("why_unsupported"))
        return
    title = words(why.meta.title_in(t.lang), 100)
    caption = t(
        "why_caption", title=title, id=why.prediction_id, sentence=why_sentence(t, why.meta, why.explanation)
    )
    png = None
    if user.pictures is not False:
        png = await services.charts.render(why_chart(t, why.meta, why.explanation))
    short = t("why_chart_title", title=title)
    await send_with_picture(query.message, PictureScreen(caption, None, png, short), services.photo_ids)


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Registered())
    router.callback_query.register(why_cb, PredCD.filter(F.action == "why"))
    return router
