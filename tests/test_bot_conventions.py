"""Telegram's conventions through the real Dispatcher, in English and Russian: /settings, group
chats, /start deep links, promo codes (the user's and the admin's side), the command menus and
descriptions set at start-up."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    EditMessageText,
    SendMessage,
    SetMyCommands,
    SetMyDescription,
    SetMyShortDescription,
)
from aiogram.types import BotCommandScopeChat, BotCommandScopeDefault, InlineKeyboardMarkup
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from fluent.syntax import visitor as fluent_visitor
from sqlalchemy import update

from bot.app import Services
from bot.commands import (
    MAX_COMMAND,
    MAX_COMMAND_DESCRIPTION,
    MAX_DESCRIPTION,
    MAX_SHORT_DESCRIPTION,
    set_profile,
)
from bot.dispatcher import USER_COMMANDS, set_commands
from bot.handlers.admin import ADMIN_COMMANDS
from bot.i18n import LOCALES_DIR, I18n, Translator
from db.models import User
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import PASSWORD, db_user, registered
from tests.helpers import assert_reconciled, balance_of, transactions_of

I18N = I18n()
LANGS = ["en", "ru"]
GROUP = -100777


def tg(n: int, lang: str, name: str | None = None) -> TgUser:
    return TgUser(n, name or f"user{n}", language_code=lang)


def urls(reply: Reply) -> list[str]:
    return [
        b.url
        for m, _ in reply.calls
        if isinstance(getattr(m, "reply_markup", None), InlineKeyboardMarkup)
        for row in m.reply_markup.inline_keyboard
        for b in row
        if b.url
    ]


def screen(t: Translator, notifications: bool, pictures: bool = True) -> str:
    text = t("settings_screen", notifications=t("settings_on" if notifications else "settings_off"))
    on = t("settings_pictures_on" if pictures else "settings_pictures_off")
    return text + "\n\n" + t("settings_pictures", on=on)


async def register_in_dialog(h: Harness, user: TgUser) -> Reply:
    """The rest of the registration dialog after /start: username, email, password."""
    await h.send(user, user.username or f"user{user.id}")
    await h.send(user, f"{user.username}@example.com")
    return await h.send(user, PASSWORD)


# -- /settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_settings_switch_notifications_and_language_in_place(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    user = tg(5001, lang)
    await registered(services, user, lang=lang)
    r = await harness.send(user, "/settings")
    assert r.texts == [screen(t, True)]
    assert t("btn_notifications_off") in r.buttons() and t("btn_menu") in r.buttons()
    r = await harness.press(user, t("btn_notifications_off"))
    assert r.alerts == [t("notifications_turned_off")]
    [edit] = r.calls_of(EditMessageText)  # the same screen, changed in place
    assert edit.text == screen(t, False)
    assert t("btn_notifications_on") in r.buttons()
    row = await db_user(services, user.id)
    assert row is not None and row.notifications is False
    # the same button tapped twice sets the same value: no flip back
    r = await harness.feed(harness.tap_again(harness.press_update(user, t("btn_notifications_on"))))
    row = await db_user(services, user.id)
    assert row is not None and row.notifications is True
    # the other language, then the menu from the same screen
    other = "ru" if lang == "en" else "en"
    o = I18N.translator(other)
    r = await harness.press(user, "Русский" if other == "ru" else "English")
    assert r.alerts == [o("language_set")]
    assert r.texts == [screen(o, True)]
    row = await db_user(services, user.id)
    assert row is not None and row.language == other
    r = await harness.press(user, o("btn_menu"))
    assert o("btn_settings") in r.buttons() and o("btn_predict") in r.buttons()


@pytest.mark.parametrize("lang", LANGS)
async def test_settings_switch_charts_with_results(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    user = tg(5004, lang)
    await registered(services, user, lang=lang)
    r = await harness.send(user, "/settings")
    assert r.texts == [screen(t, True, pictures=True)]
    assert t("btn_pictures_off") in r.buttons()
    press = harness.press_update(user, t("btn_pictures_off"))
    r = await harness.feed(press)
    assert r.alerts == [t("pictures_turned_off")]
    [edit] = r.calls_of(EditMessageText)
    assert edit.text == screen(t, True, pictures=False) and t("btn_pictures_on") in r.buttons()
    row = await db_user(services, user.id)
    assert row is not None and row.pictures is False and row.notifications is True
    # the same "off" tapped again (a double tap): still off, never flipped back on
    r = await harness.feed(harness.tap_again(press))
    assert r.alerts == [t("pictures_turned_off")]
    row = await db_user(services, user.id)
    assert row is not None and row.pictures is False
    r = await harness.press(user, t("btn_pictures_on"))
    assert r.alerts == [t("pictures_turned_on")]
    row = await db_user(services, user.id)
    assert row is not None and row.pictures is True


@pytest.mark.parametrize("lang", LANGS)
async def test_settings_from_the_main_menu(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    user = tg(5002, lang)
    await registered(services, user, lang=lang)
    await harness.send(user, "/start")
    r = await harness.press(user, t("btn_settings"))
    assert [m.text for m in r.calls_of(EditMessageText)] == [screen(t, True)]


@pytest.mark.parametrize("lang", LANGS)
async def test_settings_need_an_account(harness: Harness, lang: str) -> None:
    r = await harness.send(tg(5003, lang), "/settings")
    assert r.texts == [I18N.get(lang, "need_registration")]


# -- group chats ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_group_gets_only_a_link_to_the_private_chat(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    user = tg(5101, lang, "groupie")
    await registered(services, user, lang=lang)
    for text in ("/start", "/balance", "/start@predict_bot", "/history", "/promo X", "hello", "/settings"):
        r = await harness.send(user, text, chat_id=GROUP, chat_type="supergroup")
        assert r.texts == [t("group_only")], text
        assert urls(r) == ["https://t.me/predict_bot?start=group"], text
        assert all(int(m.chat_id) == GROUP for m in r.calls_of(SendMessage))
        assert "groupie" not in r.text and "10" not in r.text
    # a deep link said in the group is carried over to the private chat
    r = await harness.send(user, "/start m_iris_logreg", chat_id=GROUP, chat_type="group")
    assert urls(r) == ["https://t.me/predict_bot?start=m_iris_logreg"]
    r = await harness.send(user, "/start <b>", chat_id=GROUP, chat_type="group")
    assert urls(r) == ["https://t.me/predict_bot?start=group"]
    # an admin's command too, and someone with no account
    r = await harness.send(TgUser(9001, "boss", language_code=lang), "/credit groupie 5", GROUP, "group")
    assert r.texts == [t("group_only")]
    assert await balance_of(services.session_factory, (await db_user(services, user.id)).id) == 10  # type: ignore[union-attr]
    r = await harness.send(tg(5102, lang), "/start", chat_id=GROUP, chat_type="group")
    assert r.texts == [t("group_only")]


@pytest.mark.parametrize("lang", LANGS)
async def test_buttons_on_group_messages_are_refused(harness: Harness, services: Services, lang: str) -> None:
    user = tg(5103, lang)
    await registered(services, user, lang=lang)
    query = {
        "id": "g1",
        "from": user.as_dict(),
        "chat_instance": "c",
        "data": "menu:balance",
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": GROUP, "type": "group", "title": "g"},
            "text": "x",
        },
    }
    r = await harness.feed(harness.update(callback_query=query))
    assert r.alerts == [I18N.get(lang, "group_only_alert")]
    assert r.texts == []


@pytest.mark.parametrize("lang", LANGS)
async def test_added_to_a_group_the_bot_says_where_it_works(harness: Harness, lang: str) -> None:
    bot_user = {"id": 4242, "is_bot": True, "first_name": "Predict Bot", "username": "predict_bot"}
    joined = {
        "chat": {"id": GROUP, "type": "supergroup", "title": "g"},
        "from": tg(5105, lang).as_dict(),
        "date": 0,
        "old_chat_member": {"status": "left", "user": bot_user},
        "new_chat_member": {"status": "member", "user": bot_user},
    }
    r = await harness.feed(harness.update(my_chat_member=joined))
    assert r.texts == [I18N.get(lang, "group_only")]
    assert urls(r) == ["https://t.me/predict_bot?start=group"]
    left = {
        **joined,
        "old_chat_member": joined["new_chat_member"],
        "new_chat_member": joined["old_chat_member"],
    }
    r = await harness.feed(harness.update(my_chat_member=left))
    assert r.calls == []


async def test_a_disabled_user_in_a_group_gets_the_same_answer(harness: Harness, services: Services) -> None:
    user = tg(5104, "en")
    await registered(services, user)
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.telegram_id == user.id).values(disabled=True))
    r = await harness.send(user, "/start", chat_id=GROUP, chat_type="group")
    assert r.texts == [I18N.get("en", "group_only")]
    r = await harness.send(user, "/start")
    assert r.texts == [I18N.get("en", "blocked")]


# -- /start deep links ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_model_link_opens_its_card(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    user = tg(5201, lang)
    await registered(services, user, lang=lang)
    r = await harness.send(user, "/start m_iris_logreg")
    assert services.registry.meta("iris_logreg").title_in(lang) in r.text
    assert t("btn_start_input") in r.buttons() and t("btn_back_catalogue") in r.buttons()
    r = await harness.press(user, t("btn_start_input"))  # the card's buttons work as the catalogue's
    assert "1/4" in r.text
    await services.catalogue.set_active("wine_gb", False)
    for link in ("/start m_wine_gb", "/start m_nope"):
        r = await harness.send(user, link)
        assert r.texts[0] == t("start_model_unavailable"), link
        assert t("btn_predict") in r.buttons()  # the menu


@pytest.mark.parametrize("lang", LANGS)
async def test_other_payloads_are_a_plain_start(harness: Harness, services: Services, lang: str) -> None:
    user = tg(5202, lang)
    await registered(services, user, lang=lang)
    for link in ("/start group", "/start m_", "/start promo_", "/start promo_a", "/start x" * 3):
        r = await harness.send(user, link)
        assert len(r.texts) == 1 and I18N.get(lang, "btn_predict") in r.buttons(), link


@pytest.mark.parametrize("lang", LANGS)
async def test_a_promo_link_credits_once(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    await services.promos.create("SPRING25", "5")
    user = tg(5203, lang)
    uid = await registered(services, user, lang=lang)
    r = await harness.send(user, "/start promo_spring25")
    assert r.texts[0] == t("promo_redeemed", code="SPRING25", credits=Decimal(5), balance=Decimal(15))
    assert r.texts[-1] == t("menu", name=user.username, balance=Decimal(15))
    r = await harness.send(user, "/start promo_SPRING25")
    assert r.texts[0] == t("promo_err_already", code="SPRING25")
    assert await balance_of(services.session_factory, uid) == Decimal(15)
    tx = (await transactions_of(services.session_factory, uid))[-1]
    assert tx.kind == "promo" and tx.params == {"code": "SPRING25"}
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_promo_link_before_registration_is_applied_after_it(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    await services.promos.create("HELLO", "2.5")
    user = tg(5204, lang, "newbie")
    r = await harness.send(user, "/start promo_hello")
    assert t("promo_after_registration", code="HELLO") in r.texts
    r = await register_in_dialog(harness, user)
    assert t("reg_done", name="newbie", balance=Decimal(10)) in r.texts
    assert t("promo_redeemed", code="HELLO", credits=Decimal("2.5"), balance=Decimal("12.5")) in r.texts
    assert r.texts[-1] == t("menu", name="newbie", balance=Decimal("12.5"))
    row = await db_user(services, user.id)
    assert row is not None and row.balance == 12.5
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_model_link_before_registration_opens_after_it(
    harness: Harness, services: Services, lang: str
) -> None:
    t = I18N.translator(lang)
    user = tg(5205, lang, "curious")
    r = await harness.send(user, "/start m_iris_logreg")
    assert t("start_model_after_registration") in r.texts
    r = await register_in_dialog(harness, user)
    assert t("btn_start_input") in r.buttons()


async def test_a_promo_link_is_applied_after_login_too(harness: Harness, services: Services) -> None:
    await services.promos.create("BACK", "1")
    await registered(services, TgUser(1, "olduser"), name="olduser")
    phone = TgUser(5206, "phone")
    await harness.send(phone, "/start promo_BACK")
    await harness.send(phone, "/login")
    await harness.send(phone, "olduser@example.com")
    r = await harness.send(phone, PASSWORD)
    assert any("BACK" in text and "11" in text for text in r.texts), r.texts


# -- promo codes: /promo and the admin's commands ---------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_promo_codes_end_to_end(harness: Harness, services: Services, lang: str) -> None:
    t = I18N.translator(lang)
    admin = TgUser(9001, "boss", language_code=lang)
    await registered(services, admin, lang=lang)
    r = await harness.send(admin, "/promo_new")
    assert r.texts == [t("adm_promo_usage")]
    r = await harness.send(admin, "/promo_new sale 3 1 30")
    assert "SALE" in r.text and "https://t.me/predict_bot?start=promo_SALE" in r.text
    assert "0/1" in r.text
    r = await harness.send(admin, "/promo_new SALE 4")
    assert r.texts == [t("adm_promo_err_exists", code="SALE")]
    r = await harness.send(admin, "/promo_new OKAY 0")
    assert r.texts[0].startswith(t("adm_promo_err_bad_credits"))
    r = await harness.send(admin, "/promo_new FREE 1,5")  # a decimal comma
    assert "FREE" in r.text

    alice, bob = tg(5301, lang, "alice"), tg(5302, lang, "bob")
    await registered(services, alice, lang=lang)
    await registered(services, bob, lang=lang)
    r = await harness.send(alice, "/promo")
    assert r.texts == [t("promo_usage")]
    r = await harness.send(alice, "/promo sale")
    assert r.texts == [t("promo_redeemed", code="SALE", credits=Decimal(3), balance=Decimal(13))]
    r = await harness.send(bob, "/promo SALE")
    assert r.texts == [t("promo_err_used_up", code="SALE")]
    r = await harness.send(bob, "/promo <b>&")
    assert r.texts == [t("promo_err_bad_code")]
    r = await harness.send(bob, "/promo NOPE")
    assert r.texts == [t("promo_err_unknown", code="NOPE")]

    r = await harness.send(admin, "/promos")
    assert "SALE" in r.text and "1/1" in r.text and "FREE" in r.text
    assert t("adm_promo_status_used_up") in r.text and t("adm_promo_status_active") in r.text
    r = await harness.send(admin, "/promo_off free")
    assert r.texts == [t("adm_promo_off_done", code="FREE")]
    r = await harness.send(bob, "/promo FREE")
    assert r.texts == [t("promo_err_inactive", code="FREE")]
    r = await harness.send(admin, "/promo_off MISSING")
    assert r.texts == [t("adm_promo_err_unknown", code="MISSING")]
    assert await balance_of(services.session_factory, (await db_user(services, bob.id)).id) == 10  # type: ignore[union-attr]
    await assert_reconciled(services.session_factory)


async def test_promo_admin_commands_are_for_admins(harness: Harness, services: Services) -> None:
    mallory = TgUser(6666, "mallory")
    await registered(services, mallory)
    for command in ("/promo_new FREE 1000", "/promos", "/promo_off X"):
        r = await harness.send(mallory, command)
        assert r.texts == [I18N.get("en", "adm_refused")], command
    assert (await services.promos.listing()).total == 0


async def test_promo_needs_an_account(harness: Harness, services: Services) -> None:
    await services.promos.create("FREE", "1")
    r = await harness.send(TgUser(5401), "/promo FREE")
    assert r.texts == [I18N.get("en", "need_registration")]


# -- commands and descriptions at start-up ----------------------------------------------------


def _limits_kept(calls: list[Any]) -> None:
    for c in calls:
        if isinstance(c, SetMyCommands):
            assert 1 <= len(c.commands) <= 100
            for cmd in c.commands:
                assert len(cmd.command) <= MAX_COMMAND and cmd.command.replace("_", "").isalnum()
                assert cmd.command == cmd.command.lower() and cmd.command.isascii()
                assert 1 <= len(cmd.description) <= MAX_COMMAND_DESCRIPTION
        elif isinstance(c, SetMyDescription):
            assert c.description and len(c.description) <= MAX_DESCRIPTION
        elif isinstance(c, SetMyShortDescription):
            assert c.short_description and len(c.short_description) <= MAX_SHORT_DESCRIPTION


async def test_command_menus_and_descriptions_per_language_and_for_admins(harness: Harness) -> None:
    assert await set_commands(harness.bot, I18N, admin_ids=[9001, 9002])
    calls = harness.session.calls
    _limits_kept(calls)
    menus = {
        (c.language_code, c.scope.chat_id if isinstance(c.scope, BotCommandScopeChat) else None): c
        for c in calls
        if isinstance(c, SetMyCommands)
    }
    assert set(menus) == {(lang, chat) for lang in (None, "ru") for chat in (None, 9001, 9002)}
    assert all(isinstance(menus[(lang, None)].scope, BotCommandScopeDefault) for lang in (None, "ru"))
    users = [c.command for c in menus[(None, None)].commands]
    assert users == list(USER_COMMANDS)
    assert "settings" in users and "promo" in users and "credit" not in users
    admins = [c.command for c in menus[("ru", 9001)].commands]
    assert admins == [*USER_COMMANDS, *ADMIN_COMMANDS]
    ru = {c.command: c.description for c in menus[("ru", 9001)].commands}
    assert ru["settings"] == "Язык и уведомления" and ru["promo_new"] == "Создать промокод"
    en = {c.command: c.description for c in menus[(None, 9002)].commands}
    assert en["promos"] == "Promo codes and their uses"
    descriptions = {c.language_code: c.description for c in calls if isinstance(c, SetMyDescription)}
    shorts = {c.language_code: c.short_description for c in calls if isinstance(c, SetMyShortDescription)}
    assert set(descriptions) == set(shorts) == {None, "ru"}
    assert "Предсказания" in descriptions["ru"] and "Machine-learning" in shorts[None]


def test_every_command_has_a_description_in_every_language() -> None:
    for lang in I18N.languages:
        for name in (*USER_COMMANDS, *ADMIN_COMMANDS):
            assert I18N.get(lang, f"cmd_{name}"), (lang, name)


async def test_a_refused_call_is_logged_and_the_rest_are_made(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    refused = TelegramBadRequest(method=SetMyCommands(commands=[]), message="Bad Request: chat not found")
    harness.session.fail[SetMyCommands] = [refused]
    with caplog.at_level(logging.WARNING):
        assert await set_commands(harness.bot, I18N, admin_ids=[9001])
    assert "chat not found" in caplog.text
    assert len([c for c in harness.session.calls if isinstance(c, SetMyCommands)]) == 4
    assert len([c for c in harness.session.calls if isinstance(c, SetMyShortDescription)]) == 2


async def test_processes_sharing_redis_set_the_texts_once(
    harness: Harness, redis_scratch: tuple[str, str]
) -> None:
    from redis.asyncio import Redis

    url, prefix = redis_scratch
    redis = Redis.from_url(url)
    try:
        first = await set_profile(harness.bot, I18N, USER_COMMANDS, ADMIN_COMMANDS, [9001], redis, prefix)
        made = len(harness.session.calls)
        second = await set_profile(harness.bot, I18N, USER_COMMANDS, ADMIN_COMMANDS, [9001], redis, prefix)
        assert (first, second) == (True, False)
        assert len(harness.session.calls) == made  # the second process sent nothing
        # other texts (a new deploy, another admin): set again
        assert await set_profile(harness.bot, I18N, USER_COMMANDS, ADMIN_COMMANDS, [9002], redis, prefix)
    finally:
        await redis.aclose()


# -- Russian reads as Russian ------------------------------------------------------------------


class Texts(fluent_visitor.Visitor):
    """The literal text of a message, every variant included."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def visit_TextElement(self, node: fluent_ast.TextElement) -> None:
        self.texts.append(node.value)


RU_ALLOWED = {"Telegram", "Stars", "UTC", "SPRING25", "name", "example", "com"}  # brands, units, samples


@pytest.mark.parametrize("topic", ["settings", "promo", "commands", "registration"])
def test_russian_texts_have_no_english_words(topic: str) -> None:
    path = LOCALES_DIR / "ru" / f"{topic}.ftl"
    for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(entry, fluent_ast.Message) or entry.value is None:
            continue
        collect = Texts()
        collect.visit(entry)  # plural variants too
        text = " ".join(collect.texts)
        text = re.sub(r"<[^>]+>", " ", text)  # tags
        text = re.sub(r"/[a-z_]+", " ", text)  # commands
        english = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]+", text) if w not in RU_ALLOWED}
        assert not english, (entry.id.name, english)
