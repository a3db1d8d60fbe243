"""Charts in replies: the data of a chart from the bot's figures, in the reader's language, and
sending a picture with its text. The drawing is bot/charts.py's; this module only decides what is
drawn and how it travels.

A picture never costs a reply: when the renderer gives None (failure, timeout) the text goes
alone, exactly as without pictures. The text rides as the photo's caption when it fits Telegram's
1,024 characters; otherwise the photo carries a short caption and the text follows as a message
(the keyboard always stays with the text)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputMediaPhoto, Message

from bot import telegram_rules as rules
from bot.charts import DashboardTexts, StatsChart, dashboard
from bot.i18n import Translator
from db.reports import DailySeries

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
    """Whether `text` (HTML) may be a photo's caption."""
    return rules.caption_refusal(text, "HTML") is None


def photo_file(png: bytes, name: str = "chart.png") -> BufferedInputFile:
    return BufferedInputFile(png, filename=name)


async def send_with_picture(message: Message, screen: PictureScreen) -> Message:
    """Answer with the picture and the text; returns the message that carries the text (and the
    keyboard). No picture: the text alone."""
    png, text, markup, short_caption = screen.png, screen.text, screen.markup, screen.short_caption
    if png is None:
        return await message.answer(text, reply_markup=markup)
    if fits_caption(text):
        return await message.answer_photo(photo_file(png), caption=text, reply_markup=markup)
    await message.answer_photo(photo_file(png), caption=short_caption)
    return await message.answer(text, reply_markup=markup)


async def replace_with_picture(message: Message, screen: PictureScreen) -> None:
    """Put a new picture and text in place of `message` (a screen's buttons): the photo is
    swapped in place when it can be, the text edited in place when there is no picture, and
    otherwise (a text screen now with a picture, a text too long for a caption) sent anew."""
    png, text, markup = screen.png, screen.text, screen.markup
    try:
        if png is not None and message.photo and fits_caption(text):
            await message.edit_media(
                InputMediaPhoto(media=photo_file(png), caption=text), reply_markup=markup
            )
            return
        if png is None and message.text is not None:
            await message.edit_text(text, reply_markup=markup)
            return
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:  # the same screen again
            return
        log.warning("could not edit a chart screen in place: %s", exc.message)
    await send_with_picture(message, screen)


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
