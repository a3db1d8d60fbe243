"""Charts in replies through the real Dispatcher, in English and Russian (issue 17): /stats as a
chart with its figures in the caption; a chart that cannot be drawn leaves the text; the per-day
figures behind the chart (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageMedia, EditMessageText, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile
from sqlalchemy import func, select, update

from bot.app import Services
from bot.charts import Chart, ChartRenderer, RangeChart, render
from bot.handlers import predict as predict_handlers
from bot.handlers.admin import menu
from bot.i18n import I18n, Translator
from bot.pictures import result_chart
from bot.replies import Screen, outcome_screen
from db import reports
from db.models import Prediction, Transaction, User, utcnow
from ml.explain import Unsupported
from ml.schema import ModelMeta
from services.predictions import PredictionOutcome
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import db_user, registered
from tests.helpers import balance_of, transactions_of

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


# -- "Why?" -------------------------------------------------------------------------------------
BOB = {"en": TgUser(2002, "bob"), "ru": TgUser(2002, "bob", language_code="ru")}


async def paid_result(harness: Harness, services: Services, user: TgUser, lang: str) -> int:
    """A completed iris run, its result shown with its keyboard; the prediction's id."""
    uid = await registered(services, user, lang=lang)
    outcome = await services.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    assert outcome.ok
    await harness.send(user, "/history")  # a screen with the user's chat in it
    t = I18N.translator(lang)
    screen = outcome_screen(t, services.registry.meta("iris_logreg"), outcome)
    await harness.bot.send_message(user.id, screen.text, reply_markup=screen.markup)
    return outcome.prediction_id


async def owner_id(services: Services, user: TgUser) -> int:
    row = await db_user(services, user.id)
    assert row is not None
    return row.id


@pytest.mark.parametrize("lang", LANGS)
async def test_why_sends_the_contributions_chart_and_a_sentence_free(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    user = BOB[lang]
    pid = await paid_result(harness, services, user, lang)
    uid = await owner_id(services, user)
    before_balance = await balance_of(services.session_factory, uid)
    before_rows = len(await transactions_of(services.session_factory, uid))
    r = await harness.press(user, t("btn_why"))
    [photo] = r.calls_of(SendPhoto)
    assert photo.photo.data.startswith(PNG)
    caption = photo.caption or ""
    assert f"#{pid}" in caption or f"№{pid}" in caption
    because = "Mostly because" if lang == "en" else "Главным образом потому, что"
    assert because in caption
    label = services.registry.meta("iris_logreg").feature_label("petal_length", lang)
    assert label in caption  # petal length is what decides setosa
    assert await balance_of(services.session_factory, uid) == before_balance  # free
    assert len(await transactions_of(services.session_factory, uid)) == before_rows
    # a second tap: the same answer, computed once
    r = await harness.press(user, t("btn_why"))
    assert [p.caption for p in r.calls_of(SendPhoto)] == [caption]


async def test_why_is_only_for_the_owner(harness: Harness, services: Services) -> None:
    pid = await paid_result(harness, services, BOB["en"], "en")
    mallory = TgUser(6666, "mallory")
    await registered(services, mallory)
    press = harness.press_update(BOB["en"], "Why?")
    assert press.callback_query is not None
    forged = press.callback_query.model_dump(by_alias=True, exclude_none=True)
    forged["from"] = mallory.as_dict()
    r = await harness.feed(harness.update(callback_query={**forged, "id": "forged1"}))
    assert r.calls_of(SendPhoto) == [] and r.alerts == [I18N.get("en", "why_not_found")]
    assert f"p:why:{pid}" == forged["data"] and len(forged["data"].encode()) <= 64


@pytest.mark.parametrize("lang", LANGS)
async def test_why_says_so_for_a_model_it_cannot_explain(
    harness: Harness, services: Services, lang: str
) -> None:
    class NoExplainers:
        def explain(self, loaded: object, row: object, class_index: object = None) -> Unsupported:
            return Unsupported("iris_logreg", "estimator")

    t = I18N.translator(lang)
    await paid_result(harness, services, BOB[lang], lang)
    services.explanations.explainers = NoExplainers()  # type: ignore[assignment]
    r = await harness.press(BOB[lang], t("btn_why"))
    assert r.calls_of(SendPhoto) == [] and r.texts == [t("why_unsupported")]


@pytest.mark.parametrize("lang", LANGS)
async def test_why_without_a_chart_is_the_sentence(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    await paid_result(harness, services, BOB[lang], lang)
    services.charts = ChartRenderer(draw=failing)
    r = await harness.press(BOB[lang], t("btn_why"))
    assert r.calls_of(SendPhoto) == []
    assert ("Mostly because" if lang == "en" else "Главным образом") in r.text


# -- a result with its chart ----------------------------------------------------------------------
CAROL = {"en": TgUser(3003, "carol"), "ru": TgUser(3003, "carol", language_code="ru")}


async def confirm_iris(harness: Harness, services: Services, user: TgUser, lang: str) -> Reply:
    """The whole paid dialog for iris_logreg up to Confirm; what Confirm sent."""
    t = I18N.translator(lang)
    await harness.send(user, "/predict")
    await harness.press(user, services.registry.meta("iris_logreg").title_in(lang))
    await harness.press(user, t("btn_start_input"))
    await harness.send(user, "5.1 3.5 1.4 0.2" if lang == "en" else "5,1; 3,5; 1,4; 0,2")
    return await harness.press(user, t("btn_confirm", cost=1)[:10])


async def settled(services: Services, user: TgUser) -> tuple[Decimal, int]:
    uid = await owner_id(services, user)
    return (
        await balance_of(services.session_factory, uid),
        len(await transactions_of(services.session_factory, uid)),
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_result_comes_as_a_chart_with_the_result_in_its_caption(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    user = CAROL[lang]
    await registered(services, user, lang=lang)
    r = await confirm_iris(harness, services, user, lang)
    [photo] = r.calls_of(SendPhoto)
    assert photo.photo.data.startswith(PNG)
    caption = photo.caption or ""
    setosa = services.registry.meta("iris_logreg").class_label("setosa", lang)
    assert (setosa in caption and "#" in caption) or "№" in caption
    # the keyboard is on the message with the result: Repeat and Why? under the photo
    labels = [b.text for row in photo.reply_markup.inline_keyboard for b in row]
    assert t("btn_repeat") in labels and t("btn_why") in labels
    assert r.calls_of(SendMessage) == [] and len(r.deleted) == 1  # the confirmation gave way
    assert await settled(services, user) == (Decimal(9), 2)  # welcome, then one charge
    r = await harness.press(user, t("btn_why"))  # and Why? works from the photo
    assert len(r.calls_of(SendPhoto)) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_a_chart_that_cannot_be_drawn_leaves_the_text_result(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    user = CAROL[lang]
    await registered(services, user, lang=lang)
    services.charts = ChartRenderer(draw=failing)
    r = await confirm_iris(harness, services, user, lang)
    assert r.calls_of(SendPhoto) == [] and r.deleted == []
    [edit] = r.calls_of(EditMessageText)  # in place of the confirmation, as without pictures
    setosa = services.registry.meta("iris_logreg").class_label("setosa", lang)
    assert setosa in edit.text and t("btn_why") in r.buttons()
    assert await settled(services, user) == (Decimal(9), 2)


@pytest.mark.parametrize("lang", LANGS)
async def test_pictures_off_gives_the_text_result(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    user = CAROL[lang]
    await registered(services, user, lang=lang)
    await harness.send(user, "/settings")
    await harness.press(user, t("btn_pictures_off"))
    r = await confirm_iris(harness, services, user, lang)
    assert r.calls_of(SendPhoto) == [] and len(r.calls_of(EditMessageText)) == 1
    r = await harness.press(user, t("btn_why"))  # Why? then answers in words only
    assert r.calls_of(SendPhoto) == [] and len(r.calls_of(SendMessage)) == 1


async def test_a_result_too_long_for_a_caption_follows_its_chart(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = CAROL["en"]
    await registered(services, user)
    real = predict_handlers.outcome_screen

    def long_screen(t: Translator, meta: ModelMeta | None, outcome: PredictionOutcome, *args: Any) -> Screen:
        screen = real(t, meta, outcome, *args)
        return Screen(screen.text + "\n" + "·" * 1100, screen.markup)

    monkeypatch.setattr(predict_handlers, "outcome_screen", long_screen)
    r = await confirm_iris(harness, services, user, "en")
    [photo] = r.calls_of(SendPhoto)
    [text] = r.calls_of(SendMessage)
    assert "next message" in (photo.caption or "") and photo.reply_markup is None
    assert "Setosa" in text.text or "setosa" in text.text
    assert text.reply_markup is not None  # the keyboard stays with the result


@pytest.mark.parametrize("lang", LANGS)
async def test_a_regressors_chart_puts_the_value_on_the_targets_range(services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    meta = services.registry.meta("diabetes_rf")
    chart = result_chart(t, meta, {"value": 151.5})
    assert isinstance(chart, RangeChart)
    assert (chart.low, chart.high) == (25.0, 346.0)  # the diabetes target's observed range
    assert chart.error == pytest.approx(meta.metrics["mae"], abs=(346 - 25) / 1000)
    assert chart.band_label == t("chart_typical_error", error=t.decimal(round(meta.metrics["mae"], 2)))
    assert render(chart).startswith(PNG)


async def test_a_photo_telegram_refuses_still_leaves_the_text_result(
    harness: Harness, services: Services
) -> None:
    user = CAROL["en"]
    await registered(services, user)
    harness.session.fail[SendPhoto] = [
        TelegramBadRequest(
            method=SendPhoto(chat_id=1, photo="x"), message="Bad Request: IMAGE_PROCESS_FAILED"
        )
    ]
    r = await confirm_iris(harness, services, user, "en")
    [text] = r.calls_of(SendMessage)
    assert "Prediction: <b>Iris setosa</b>" in text.text and I18N.get("en", "btn_why") in r.buttons()
    assert await settled(services, user) == (Decimal(9), 2)


def uploaded_ids(r: Reply) -> list[str]:
    """The file_ids Telegram gave the photos sent in `r`."""
    return [
        str(sent.photo[-1].file_id)
        for m, sent in r.calls
        if isinstance(m, SendPhoto) and getattr(sent, "photo", None)
    ]


async def test_a_chart_sent_before_goes_again_by_its_file_id(harness: Harness, services: Services) -> None:
    """The same result again (the same chart): Telegram's file_id, not a second upload; another
    user with the same result too (file ids are the bot's, not a chat's)."""
    carol = CAROL["en"]
    await registered(services, carol)
    await registered(services, ALICE)
    first = await confirm_iris(harness, services, carol, "en")
    [upload] = first.calls_of(SendPhoto)
    assert isinstance(upload.photo, BufferedInputFile)
    [file_id] = uploaded_ids(first)
    for user in (carol, ALICE):
        again = await confirm_iris(harness, services, user, "en")
        [photo] = again.calls_of(SendPhoto)
        assert photo.photo == file_id and "Prediction: <b>Iris setosa</b>" in (photo.caption or "")
    why = await harness.press(ALICE, I18N.get("en", "btn_why"))  # another chart: uploaded
    [chart] = why.calls_of(SendPhoto)
    assert isinstance(chart.photo, BufferedInputFile)
    assert harness.session.refused == []


async def test_a_file_id_telegram_refuses_is_forgotten_and_the_chart_uploaded(
    harness: Harness, services: Services
) -> None:
    user = CAROL["en"]
    await registered(services, user)
    await confirm_iris(harness, services, user, "en")
    harness.session.fail[SendPhoto] = [
        TelegramBadRequest(
            method=SendPhoto(chat_id=1, photo="x"),
            message="Bad Request: wrong file identifier/HTTP URL specified",
        )
    ]
    r = await confirm_iris(harness, services, user, "en")
    by_id, upload = [m for m in harness.session.calls if isinstance(m, SendPhoto)][-2:]  # both tries
    assert isinstance(by_id.photo, str) and isinstance(upload.photo, BufferedInputFile)
    assert r.calls_of(SendPhoto) == [upload]
    assert "Prediction: <b>Iris setosa</b>" in (upload.caption or "")
    assert r.calls_of(SendMessage) == []  # the result came once, with its picture
    [new_id] = uploaded_ids(r)
    r = await confirm_iris(harness, services, user, "en")  # the new upload's id from now on
    [photo] = r.calls_of(SendPhoto)
    assert photo.photo == new_id
    assert await settled(services, user) == (Decimal(7), 4)
