"""Charts in replies through the real Dispatcher, in English and Russian (issue 17): /stats as a
chart with its figures in the caption; a chart that cannot be drawn leaves the text; the per-day
figures behind the chart (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.methods import EditMessageMedia, EditMessageText, SendMessage, SendPhoto
from sqlalchemy import func, select, update

from bot.app import Services
from bot.charts import Chart, ChartRenderer
from bot.handlers.admin import menu
from bot.i18n import I18n
from db import reports
from db.models import Prediction, Transaction, User, utcnow
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import registered

I18N = I18n()
LANGS = ["en", "ru"]
ADMIN = {"en": TgUser(9001, "boss"), "ru": TgUser(9001, "boss", language_code="ru")}
ALICE = TgUser(1001, "alice")
PNG = b"\x89PNG\r\n\x1a\n"


def failing(chart: Chart) -> bytes:
    raise RuntimeError("no fonts today")


async def two_predictions(services: Services) -> int:
    uid = await registered(services, ALICE)
    await services.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    await services.predictions.run(user_id=uid, model_name="iris_logreg", values="6.1 2.8 4.7 1.2")
    return uid


@pytest.mark.parametrize("lang", LANGS)
async def test_stats_sends_a_chart_with_the_figures_in_its_caption(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    await two_predictions(services)
    r = await harness.send(ADMIN[lang], "/stats")
    [photo] = r.calls_of(SendPhoto)
    assert photo.photo.data.startswith(PNG) and len(photo.photo.data) < 300_000
    caption = photo.caption or ""
    assert t("adm_stats_all") in caption and "iris_logreg" in caption
    runs = "2 runs" if lang == "en" else "2 запуска"
    assert runs in caption
    assert r.calls_of(SendMessage) == []  # the figures fit under the chart: one message
    assert t("btn_adm_stats_days", days=7) in r.buttons()
    # another range: the chart and its figures swapped in place
    r = await harness.press(ADMIN[lang], t("btn_adm_stats_days", days=30))
    [edit] = r.calls_of(EditMessageMedia)
    assert t("adm_stats_days", days=30) in (edit.media.caption or "")
    assert edit.media.media.data.startswith(PNG)


@pytest.mark.parametrize("lang", LANGS)
async def test_stats_without_a_chart_is_the_text(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    await two_predictions(services)
    services.charts = ChartRenderer(draw=failing)
    r = await harness.send(ADMIN[lang], "/stats")
    assert r.calls_of(SendPhoto) == []
    [text] = r.calls_of(SendMessage)
    assert t("adm_stats_all") in text.text and "iris_logreg" in text.text
    r = await harness.press(ADMIN[lang], t("btn_adm_stats_days", days=7))
    [edit] = r.calls_of(EditMessageText)  # a text screen stays a text screen, edited in place
    assert t("adm_stats_days", days=7) in edit.text


async def test_stats_figures_too_long_for_a_caption_follow_the_chart(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await two_predictions(services)
    # figures longer than a caption (e.g. thirty models with long names)
    short = menu.stats_text
    monkeypatch.setattr(menu, "stats_text", lambda t, st, days: short(t, st, days) + "\n" + "·" * 1100)
    r = await harness.send(ADMIN["en"], "/stats")
    [photo] = r.calls_of(SendPhoto)
    [text] = r.calls_of(SendMessage)
    assert "next message" in (photo.caption or "") and photo.reply_markup is None
    assert "iris_logreg" in text.text and text.reply_markup is not None  # the keyboard with the text


async def test_daily_series_groups_by_day(services: Services) -> None:
    uid = await two_predictions(services)
    yesterday = utcnow() - timedelta(days=1)
    async with services.session_factory() as s, s.begin():
        first_id = await s.scalar(select(func.min(Prediction.id)))
        await s.execute(update(Prediction).where(Prediction.id == first_id).values(created_at=yesterday))
        await s.execute(
            update(Transaction).where(Transaction.prediction_id == first_id).values(created_at=yesterday)
        )
    board = await services.admin.dashboard(7)
    series = board.series
    today = utcnow().date()
    assert len(series.days) == 7 and series.days[-1] == today and series.days[-2] == today - timedelta(days=1)
    assert series.predictions == {"iris_logreg": [0, 0, 0, 0, 0, 1, 1]}
    assert [float(v) for v in series.spent[-2:]] == [1.0, 1.0] and sum(series.refunded) == 0
    assert series.new_users == [0, 0, 0, 0, 0, 0, 1] and series.stars == [0] * 7
    # the chart's days add up to the caption's figures
    assert sum(sum(v) for v in series.predictions.values()) == sum(m.runs for m in board.stats.models)
    assert sum(series.spent) == board.stats.spent
    # all time starts on the first user's day
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == uid).values(created_at=utcnow() - timedelta(days=3)))
        assert await reports.first_day(s) == (utcnow() - timedelta(days=3)).date()
    assert len((await services.admin.dashboard(None)).series.days) == 4
