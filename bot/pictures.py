"""Charts in replies: the data of a chart from the bot's figures, in the reader's language, and
sending a picture with its text. The drawing is bot/charts.py's; this module only decides what is
drawn and how it travels.

A picture never costs a reply: when the renderer gives None (failure, timeout) the text goes
alone, exactly as without pictures. The text rides as the photo's caption when it fits Telegram's
1,024 characters; otherwise the photo carries a short caption and the text follows as a message
(the keyboard always stays with the text)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputMediaPhoto, Message

from bot import telegram_rules as rules
from bot.charts import (
    Chart,
    ChartRenderer,
    ContributionChart,
    DashboardTexts,
    ProbabilityChart,
    RangeChart,
    StatsChart,
    dashboard,
)
from bot.i18n import Translator
from bot.photo_ids import PhotoIds
from bot.render import words
from bot.replies import Screen, edit_or_send
from db.reports import DailySeries
from ml.explain import Explanation, Reason, reasons
from ml.schema import ModelMeta
from services.accounts import User
from services.predictions import PredictionOutcome

log = logging.getLogger(__name__)

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class PictureScreen:
    """A screen with a chart: its text and keyboard, the chart's PNG (None: could not be drawn,
    the text goes alone), and the short caption for a chart whose text does not fit under it."""

    text: str
    markup: InlineKeyboardMarkup | None
    png: bytes | None
    short_caption: str


def fits_caption(text: str) -> bool:
    """Whether `text` (HTML) may be a photo's caption. Telegram counts the text as shown, which is
    never longer than its markup: only a longer markup is parsed to see."""
    return len(text) <= rules.MAX_CAPTION or rules.caption_refusal(text, "HTML") is None


def photo_file(png: bytes, name: str = "chart.png") -> BufferedInputFile:
    return BufferedInputFile(png, filename=name)


async def _send_photo(
    message: Message, png: bytes, caption: str, markup: InlineKeyboardMarkup | None, ids: PhotoIds | None
) -> Message:
    """Answer with the photo: by its file_id when Telegram has it already (`ids`), else uploaded."""

    async def send(photo: BufferedInputFile | str) -> Message:
        return await message.answer_photo(photo, caption=caption, reply_markup=markup)

    return await send(photo_file(png)) if ids is None else await ids.send(png, send)


async def send_with_picture(message: Message, screen: PictureScreen, ids: PhotoIds | None = None) -> Message:
    """Answer with the picture and the text; returns the message that carries the text (and the
    keyboard). No picture: the text alone. `ids`: pictures Telegram has already, sent by id."""
    png, text, markup, short_caption = screen.png, screen.text, screen.markup, screen.short_caption
    if png is not None:
        try:
            if fits_caption(text):
                return await _send_photo(message, png, text, markup, ids)
            await _send_photo(message, png, short_caption, None, ids)
        except TelegramAPIError as exc:  # the photo refused or lost on the way: the text still goes
            log.warning("a chart was not delivered: %s: %s", type(exc).__name__, exc.message)
    return await message.answer(text, reply_markup=markup)


async def replace_with_picture(message: Message, screen: PictureScreen, ids: PhotoIds | None = None) -> None:
    """Put a new picture and text in place of `message` (a screen's buttons): the photo is
    swapped in place when it can be, the text edited in place when there is no picture, and
    otherwise (a text screen now with a picture, a text too long for a caption) sent anew."""
    png, text, markup = screen.png, screen.text, screen.markup
    try:
        if png is not None and message.photo and fits_caption(text):
            file_id = ids.get(png) if ids is not None else None
            media = InputMediaPhoto(media=file_id or photo_file(png), caption=text)
            edited = await message.edit_media(media, reply_markup=markup)
            if ids is not None and file_id is None:
                ids.remember(png, edited)
            return
        if png is None and message.text is not None:
            await message.edit_text(text, reply_markup=markup)
            return
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:  # the same screen again
            return
        log.warning("could not edit a chart screen in place: %s", exc.message)
        if ids is not None and png is not None:
            ids.forget(png)  # the id may be what was refused: the next send uploads
    await send_with_picture(message, screen, ids)


# -- a result --------------------------------------------------------------------------------------
def _number(t: Translator, value: float) -> str:
    return t.decimal(round(value) if abs(value) >= 100 else round(value, 2))


def result_chart(t: Translator, meta: ModelMeta, result: Mapping[str, Any] | None) -> Chart | None:
    """A classifier's probabilities as bars (the answer highlighted), or a regressor's value on
    the target's range with its typical error (the held-out MAE); None when there is nothing to
    draw (a regressor without that figure)."""
    if not result:
        return None
    title = meta.title_in(t.lang)
    if "value" in result:
        value = float(result["value"])
        error = meta.metrics.get("mae")
        if error is None:
            return None
        # the target's observed range when the metadata has it, else three typical errors around
        low = float(meta.metrics.get("target_min", value - 3 * error))
        high = float(meta.metrics.get("target_max", value + 3 * error))
        if not low < high:
            return None
        return RangeChart(
            title=title,
            value=value,
            low=low,
            high=high,
            error=float(error),
            value_text=_number(t, value),
            low_text=_number(t, low),
            high_text=_number(t, high),
            band_label=t("chart_typical_error", error=_number(t, float(error))),
        )
    probabilities = result.get("probabilities") or {}
    names = list(meta.class_names)
    if not names or "class_index" not in result:
        return None
    shown = [float(probabilities.get(n, 0.0)) for n in names]
    return ProbabilityChart(
        title=title,
        labels=tuple(meta.class_label(n, t.lang) for n in names),
        probabilities=tuple(shown),
        predicted=int(result["class_index"]),
        value_texts=tuple(f"{round(p * 100)}%" for p in shown),
        axis_label=t("chart_probability"),
    )


async def result_picture(
    charts: ChartRenderer, t: Translator, user: User, meta: ModelMeta | None, outcome: PredictionOutcome
) -> bytes | None:
    """The chart of a completed run, for a user with pictures on (None: the text alone). Called
    after the run is settled: nothing is drawn while money moves."""
    if user.pictures is False or meta is None or not outcome.ok:
        return None
    chart = result_chart(t, meta, outcome.result)
    return None if chart is None else await charts.render(chart)


async def show_result(
    message: Message,
    t: Translator,
    screen: Screen,
    png: bytes | None,
    title: str,
    ids: PhotoIds | None = None,
) -> None:
    """The result in place of the confirmation screen (or its "running…" notice): without a
    picture edited in exactly as always; with one, that message gives way to a photo (a text
    message cannot become one), its caption the result, its keyboard under it."""
    if png is None:
        await edit_or_send(message, screen.text, screen.markup, True)
        return
    with suppress(TelegramAPIError):
        await message.delete()
    short = t("result_chart_caption", title=title)
    await send_with_picture(message, PictureScreen(screen.text, screen.markup, png, short), ids)


# -- "Why?" ------------------------------------------------------------------------------------------
def _input_value(t: Translator, meta: ModelMeta, feature: str, value: float) -> str:
    f = next(f for f in meta.features if f.name == feature)
    if f.type == "category":
        key = next((k for k, v in (f.categories or {}).items() if v == value), None)
        if key is not None:
            return meta.category_label(feature, key, t.lang)
    return t.decimal(round(value, 4))


def _signed(t: Translator, value: float) -> str:
    return ("+" if value > 0 else "") + t.decimal(round(value, 3))


def why_chart(t: Translator, meta: ModelMeta, explanation: Explanation) -> ContributionChart:
    """The inputs' contributions as signed bars, each labelled with its value."""
    top = explanation.contributions[:12]
    if explanation.class_name is not None:
        up = t("why_up_class", label=meta.class_label(explanation.class_name, t.lang))
        down = t("why_down_class")
    else:
        up, down = t("why_up_value"), t("why_down_value")
    return ContributionChart(
        title=t("why_chart_title", title=meta.title_in(t.lang)),
        labels=tuple(
            f"{meta.feature_label(c.feature, t.lang)} = {_input_value(t, meta, c.feature, c.value)}"
            for c in top
        ),
        contributions=tuple(c.contribution for c in top),
        value_texts=tuple(
            ("+" if c.contribution > 0 else "") + t.decimal(round(c.contribution, 3)) for c in top
        ),
        up_label=up,
        down_label=down,
        axis_label=t(f"why_axis_{explanation.space}"),
    )


def _reason_text(t: Translator, meta: ModelMeta, reason: Reason) -> str:
    feature = words(meta.feature_label(reason.feature, t.lang), 100)
    if reason.category is not None:
        category = words(meta.category_label(reason.feature, reason.category, t.lang), 100)
        return t("why_reason_category", feature=feature, category=category)
    value = t.decimal(round(reason.value, 4))
    return t(f"why_reason_{reason.level}", feature=feature, value=value)


def why_sentence(t: Translator, meta: ModelMeta, explanation: Explanation) -> str:
    """One plain sentence: "Mostly because Petal length, cm is high (5.1) and …"."""
    found = reasons(explanation, meta)
    parts = [_reason_text(t, meta, r) for r in found]
    if not parts:
        return t("why_no_main_reason")
    if len(parts) == 1:
        return t("why_because_one", first=parts[0])
    return t("why_because_two", first=parts[0], second=parts[1])


# -- /stats ---------------------------------------------------------------------------------------
def day_label(lang: str, day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}" if lang == "ru" else f"{MONTHS_EN[day.month - 1]} {day.day}"


def stats_chart(t: Translator, series: DailySeries, period: str) -> StatsChart:
    texts = DashboardTexts(
        title=t("adm_chart_title", period=period),
        predictions=t("adm_chart_predictions"),
        credits=t("adm_chart_credits"),
        stars=t("adm_chart_stars"),
        users=t("adm_chart_users"),
        spent=t("adm_chart_spent"),
        refunded=t("adm_chart_refunded"),
        revenue=t("adm_chart_revenue"),
        new_users=t("adm_chart_new_users"),
        other=t("adm_chart_other"),
    )
    return dashboard(
        texts,
        [day_label(t.lang, d) for d in series.days],
        series.predictions,
        [float(v) for v in series.spent],
        [float(v) for v in series.refunded],
        series.stars,
        series.new_users,
    )
