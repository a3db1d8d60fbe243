"""Behaviour expected everywhere: throttling, flood control, unexpected errors, commands, texts."""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, SetMyCommands
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from fluent.syntax import visitor as fluent_visitor

from bot.app import Services, build_services
from bot.config import Settings
from bot.console import run_console
from bot.dispatcher import notify_recovered, set_commands
from bot.handlers import catalogue as catalogue_handlers
from bot.i18n import I18n, locale_source
from db.accounts import Passwords
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import registered
from tests.helpers import balance_of, crash_mid_run
from tests.support import settings_for

EVE = TgUser(4001, "eve")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
async def throttled_services(db_url: str, models_dir: Path, passwords: Passwords) -> AsyncIterator[Services]:
    c = await build_services(
        settings_for(db_url, models_dir, throttle_rate=0.01, throttle_burst=3), passwords
    )
    yield c
    await c.close()


async def test_floods_are_throttled_with_one_warning(throttled_services: Services) -> None:
    h = Harness(throttled_services)
    try:
        await registered(throttled_services, EVE)
        replies = [await h.send(EVE, "/balance") for _ in range(6)]
    finally:
        await h.close()
    assert all("Balance" in r.text for r in replies[:3])
    assert replies[3].texts == ["⏳ Too many requests: please slow down a little."]
    assert replies[4].calls == [] and replies[5].calls == []
    # other users are not affected
    h2 = Harness(throttled_services)
    try:
        await registered(throttled_services, TgUser(4002, "frank"))
        assert "Balance" in (await h2.send(TgUser(4002, "frank"), "/balance")).text
    finally:
        await h2.close()


async def test_flood_control_answers_are_waited_out(harness: Harness, services: Services) -> None:
    await registered(services, EVE)
    harness.session.errors.append(
        TelegramRetryAfter(
            method=SendMessage(chat_id=EVE.id, text="x"), message="Too Many Requests", retry_after=1
        )
    )
    r = await harness.send(EVE, "/balance")
    sends = [c for c in harness.session.calls if isinstance(c, SendMessage)]
    assert len(sends) == 2 and sends[0].text == sends[1].text  # the same message, sent again
    assert "Balance: <b>10</b>" in r.text


async def test_unexpected_errors_get_an_apology_with_an_id(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    uid = await registered(services, EVE)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    await harness.send(EVE, "/predict")
    monkeypatch.setattr(services.predictions, "quote", broken)
    with caplog.at_level(logging.ERROR):
        r = await harness.press(EVE, "Iris")
    # the tap was answered before the failure (Telegram takes one answer): the apology is a message
    match = re.search(r"Error id: <code>([0-9a-f]{8})</code>", r.text)
    assert match and "credits are safe" in r.text
    record = next(rec for rec in caplog.records if match.group(1) in rec.getMessage())
    assert record.exc_info and "database on fire" in str(record.exc_info[1])
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    ru = TgUser(4003, "ru_user", language_code="ru")
    await registered(services, ru)
    r = await harness.send(ru, "/predict")
    r = await harness.press(ru, "Вид ириса")
    assert "Код ошибки" in r.text


async def test_an_error_before_a_tap_is_answered_is_a_plain_alert(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await registered(services, EVE)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    await harness.send(EVE, "/predict")
    monkeypatch.setattr(catalogue_handlers, "quote_for_button", broken)
    r = await harness.press(EVE, "Iris")
    [alert] = r.alerts
    assert re.fullmatch(r"😔 .* credits are safe\. Error id: [0-9a-f]{8}", alert)  # an alert shows no HTML
    assert r.texts == []


async def test_command_list_is_set_in_both_languages(harness: Harness) -> None:
    await set_commands(harness.bot, I18n())
    calls = [c for c in harness.session.calls if isinstance(c, SetMyCommands)]
    assert {c.language_code for c in calls} == {None, "ru"}
    en = next(c for c in calls if c.language_code is None)
    assert [c.command for c in en.commands] == [
        "start",
        "predict",
        "balance",
        "history",
        "topup",
        "settings",
        "promo",
        "help",
        "login",
        "cancel",
        "paysupport",
        "terms",
    ]


async def test_users_are_told_about_predictions_settled_at_start_up(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    settings = settings_for(db_url, models_dir)
    services = await build_services(settings, passwords)
    uid = await registered(services, EVE)
    await crash_mid_run(
        services,
        uid,
        "iris_logreg",
        {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
    )
    await services.close()
    restarted = await build_services(settings, passwords)
    h = Harness(restarted)
    try:
        [settled] = await restarted.recover()
        assert settled.ok and settled.result is not None and settled.result["label"] == "setosa"
        assert await notify_recovered(h.bot, restarted, I18n(), rate=1000) == 1
        [msg] = [c for c in h.session.calls if isinstance(c, SendMessage)]
        assert int(msg.chat_id) == EVE.id and "Completed: <b>1</b>" in msg.text
    finally:
        await h.close()
        await restarted.close()


def locale_messages(lang: str) -> dict[str, set[str]]:
    """Message id -> the variables it uses (placeables and plural selectors), from the .ftl file."""
    resource = FluentParser().parse(locale_source(lang))
    assert not [e for e in resource.body if isinstance(e, fluent_ast.Junk)], f"{lang}.ftl has syntax errors"

    class Variables(fluent_visitor.Visitor):
        def __init__(self) -> None:
            self.names: set[str] = set()

        def visit_VariableReference(self, node: fluent_ast.VariableReference) -> None:
            self.names.add(node.id.name)

    found: dict[str, set[str]] = {}
    for entry in resource.body:
        if isinstance(entry, fluent_ast.Message):
            v = Variables()
            v.visit(entry)
            found[entry.id.name] = v.names
    return found


def test_locales_have_the_same_keys_and_placeholders() -> None:
    en, ru = locale_messages("en"), locale_messages("ru")
    assert set(I18n().languages) == {"en", "ru"}
    assert set(en) == set(ru)
    for key in en:
        assert en[key] == ru[key], key


def test_every_text_key_used_in_code_exists() -> None:
    keys = set(locale_messages("en"))
    used: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add(node.args[0].value)
    assert used, "no t('...') calls found"
    assert used - keys == set()


async def test_console_mode_runs_the_real_dispatcher(tmp_path: Path, models_dir: Path) -> None:
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text(
        "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n", encoding="utf-8"
    )
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        models_dir=models_dir,
        fsm_path=tmp_path / "fsm.db",
        throttle_rate=0,
    )
    lines = iter(
        [
            "/start",
            "²",  # not a button number: a message (the username it asks for)
            "console_user",
            "c@example.com",
            "passw0rd-1",
            "1",
            "1",
            "1",
            "5.1 3.5 1.4 0.2",
            "1",
            "/predict",
            "1",
            "2",
            f"/file {csv_path}",
            "1",
            "/quit",
        ]
    )
    out = _Capture()
    assert await run_console(settings, lines=lines, out=out) == 0
    text = out.getvalue()
    assert "That username won't do" in text
    assert "Account console_user created" in text and "[1] 🔮 Predict" in text
    assert "Prediction: Iris setosa" in text and "balance 9" in text
    assert "📎 iris_logreg_predictions.csv: ✅ Done: 1 predicted" in text


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)

    def flush(self) -> None:
        return None

    def getvalue(self) -> str:
        return "".join(self.parts)
