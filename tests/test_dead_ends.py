"""Every dead end has a way on: the fallback, stale and unknown buttons, errors and refusals
answer with a Menu (or Top up) button under them, in both languages, through the real Dispatcher."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import InlineKeyboardMarkup

from bot.app import Services
from db.ledger import deduct_balance
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import registered
from tests.helpers import balance_of

MENU = {"en": "🏠 Menu", "ru": "🏠 Меню"}
TOP_UP = {"en": "➕ Top up", "ru": "➕ Пополнить"}
EXPIRED = {"en": "This button is out of date", "ru": "Эта кнопка устарела"}


def user(lang: str) -> TgUser:
    return TgUser(3001, "dora", language_code=lang)


def menu_edits(r: Reply) -> list[list[str]]:
    """The keyboards the bot put in place of a message's old ones."""
    out = []
    for method in r.calls_of(EditMessageReplyMarkup):
        markup = method.reply_markup
        assert isinstance(markup, InlineKeyboardMarkup)
        out.append([b.text for row in markup.inline_keyboard for b in row])
    return out


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_fallback_offers_the_menu(harness: Harness, services: Services, lang: str) -> None:
    tg = user(lang)
    await registered(services, tg, lang=lang)
    for reply in (await harness.send(tg, "what now?"), await harness.send_sticker(tg)):
        assert reply.buttons() == [MENU[lang]]
    r = await harness.press(tg, MENU[lang])  # and it leads to the menu
    assert "dora" in r.text and len(r.buttons()) >= 6


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_no_menu_for_someone_without_an_account(harness: Harness, lang: str) -> None:
    r = await harness.send(TgUser(3002, None, language_code=lang), "hello")
    assert "/start" in r.text and r.buttons() == []  # a Menu would lead nowhere: /start is said


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_an_unknown_button_gives_way_to_the_menu(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = user(lang)
    await registered(services, tg, lang=lang)
    await harness.send(tg, "/balance")
    message, _ = harness.find_button(tg, "")
    forged = harness.update(
        callback_query={
            "id": "forged-1",
            "from": tg.as_dict(),
            "chat_instance": "ci",
            "data": "menu:nowhere",
            "message": message.model_dump(by_alias=True, exclude_none=True),
        }
    )
    r = await harness.feed(forged)
    assert any(EXPIRED[lang] in a for a in r.alerts)
    assert menu_edits(r) == [[MENU[lang]]]


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_stale_confirmation_gives_way_to_the_menu(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = user(lang)
    uid = await registered(services, tg, lang=lang)
    await harness.send(tg, "/predict")
    await harness.press(tg, "Iris" if lang == "en" else "Вид ириса")
    await harness.press(tg, "▶")
    await harness.send(tg, "5.1 3.5 1.4 0.2")
    stale_run = harness.press_update(tg, "✅")
    stale_edit = harness.press_update(tg, "✏️")
    await harness.send(tg, "/cancel")
    for stale in (stale_run, stale_edit):
        r = await harness.feed(stale)
        assert len(r.alerts) == 1 and r.texts == []
        assert menu_edits(r) == [[MENU[lang]]]
    assert await balance_of(services.session_factory, uid) == 10


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_too_little_credit_at_confirm_time_offers_top_up(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = user(lang)
    uid = await registered(services, tg, lang=lang)
    await harness.send(tg, "/predict")
    await harness.press(tg, "Iris" if lang == "en" else "Вид ириса")
    await harness.press(tg, "▶")
    await harness.send(tg, "5.1 3.5 1.4 0.2")
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 10, "spent elsewhere meanwhile")
    r = await harness.press(tg, "✅")
    assert TOP_UP[lang] in r.buttons()
    r = await harness.press(tg, TOP_UP[lang])
    assert "Telegram Stars" in r.text


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_an_error_answers_with_the_menu(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    tg = user(lang)
    await registered(services, tg, lang=lang)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services.catalogue, "listing", broken)
    r = await harness.send(tg, "/predict")
    assert ("Something went wrong" if lang == "en" else "что-то пошло не так") in r.text
    assert "database" not in r.text and r.buttons() == [MENU[lang]]
