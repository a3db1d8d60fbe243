"""Webhook mode: the secret token is enforced, the health endpoint answers, updates are handled."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SetWebhook
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot import delivery
from bot.app import Services
from bot.callbacks import ConfirmCD, MenuCD
from bot.dispatcher import create_bot, create_dispatcher
from bot.i18n import I18n
from bot.local_session import LocalSession
from bot.shared_state import Shared
from bot.webhook import create_app
from db.models import User
from tests.bot_harness import TgUser
from tests.bot_helpers import registered

SECRET = "s3cr3t-webhook-token"
PATH = "/telegram/webhook"
ZOE = TgUser(8001, "zoe")


@pytest.fixture
async def webhook(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[TestClient, LocalSession]]:
    # The tap tests check that an answer given while the response waits rides back in it. The
    # wait is 1 s in production; a loaded machine (two suites at once) once took longer to
    # answer, and the answer went as a request of its own: here the wait is long enough for any.
    monkeypatch.setattr(delivery, "ANSWER_WAIT", 30.0)
    services.settings.webhook_url = "https://bot.example.com"
    services.settings.webhook_secret = type(services.settings.webhook_secret)(SECRET)
    session = LocalSession()
    bot = create_bot("42:TEST", session=session)
    shared = Shared(services.settings)
    i18n = I18n()
    dp = create_dispatcher(services, shared=shared, i18n=i18n)
    client = TestClient(TestServer(create_app(services, bot, dp, shared, i18n)))
    await client.start_server()
    try:
        yield client, session
    finally:
        await client.close()


def update(n: int, text: str) -> dict[str, Any]:
    return {
        "update_id": n,
        "message": {
            "message_id": n,
            "date": int(time.time()),
            "chat": {"id": ZOE.id, "type": "private"},
            "from": ZOE.as_dict(),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]
            if text.startswith("/")
            else [],
        },
    }


async def wait_for_reply(session: LocalSession, needle: str) -> SendMessage | EditMessageText:
    """The message sent, or edited in (a screen a tap replaces), with `needle` in it."""
    import asyncio

    for _ in range(200):
        found = [
            c for c in session.calls if isinstance(c, SendMessage | EditMessageText) and needle in c.text
        ]
        if found:
            return found[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no reply with {needle!r}")


async def test_webhook_is_set_with_the_secret_on_start(webhook: tuple[TestClient, LocalSession]) -> None:
    _, session = webhook
    [call] = [c for c in session.calls if isinstance(c, SetWebhook)]
    assert call.url == "https://bot.example.com/telegram/webhook" and call.secret_token == SECRET
    assert "message" in (call.allowed_updates or []) and "pre_checkout_query" in (call.allowed_updates or [])


@pytest.mark.parametrize(
    "headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"X-Telegram-Bot-Api-Secret-Token": ""}]
)
async def test_requests_without_the_secret_are_refused_and_change_nothing(
    webhook: tuple[TestClient, LocalSession], services: Services, headers: dict[str, str]
) -> None:
    client, session = webhook
    await registered(services, ZOE)
    before = len(session.calls)
    resp = await client.post(PATH, json=update(1, "/balance"), headers=headers)
    assert resp.status == 401
    assert len(session.calls) == before  # the bot did nothing
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 1


async def test_updates_with_the_secret_are_handled(
    webhook: tuple[TestClient, LocalSession], services: Services
) -> None:
    client, session = webhook
    await registered(services, ZOE)
    resp = await client.post(
        PATH, json=update(2, "/balance"), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert resp.status == 200
    reply = await wait_for_reply(session, "Balance: <b>10</b>")
    assert int(reply.chat_id) == ZOE.id


async def test_health_endpoint(webhook: tuple[TestClient, LocalSession], services: Services) -> None:
    client, _ = webhook
    resp = await client.get("/healthz")
    assert resp.status == 200
    expected = {"status": "ok", "database": "ok"} | ({"redis": "ok"} if services.settings.redis_url else {})
    assert await resp.json() == expected  # nothing more: anyone may ask
    assert (await client.get(PATH)).status == 405  # the webhook takes POST only


async def test_health_reports_a_broken_database(
    webhook: tuple[TestClient, LocalSession], services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone may ask /healthz: it said which exception the database raised. Now it says
    "degraded", and the log says why."""
    client, _ = webhook
    await services.engine.dispose()
    services.engine.sync_engine.pool._creator = lambda *a, **k: (_ for _ in ()).throw(OSError("db down"))  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        resp = await client.get("/healthz")
    assert resp.status == 503
    body = await resp.json()
    assert body == {"status": "degraded", "database": "degraded"} | (
        {"redis": "ok"} if services.settings.redis_url else {}
    )
    assert "OSError" not in await resp.text()
    assert any("database" in r.getMessage() and "db down" in r.getMessage() for r in caplog.records)


async def test_health_reports_an_unreachable_redis(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    services.settings.webhook_url = "https://bot.example.com"
    services.settings.webhook_secret = type(services.settings.webhook_secret)(SECRET)
    nowhere = services.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})  # nothing listens
    shared = Shared(nowhere)
    i18n = I18n()
    bot = create_bot("42:TEST", session=LocalSession())
    app = create_app(services, bot, create_dispatcher(services, shared=shared, i18n=i18n), shared, i18n)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.webhook"):
            resp = await client.get("/healthz")
        assert resp.status == 503
        assert await resp.json() == {"status": "degraded", "database": "ok", "redis": "degraded"}
        assert "Error" not in await resp.text()
        assert any(r.getMessage().startswith("health: redis unavailable") for r in caplog.records)
    finally:
        await client.close()


def tap(n: int, data: str) -> dict[str, Any]:
    return {
        "update_id": n,
        "callback_query": {
            "id": f"tap-{n}",
            "from": ZOE.as_dict(),
            "chat_instance": "zoe",
            "data": data,
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "chat": {"id": ZOE.id, "type": "private"},
                "from": {"id": 4242, "is_bot": True, "first_name": "Predict Bot"},
                "text": "menu",
            },
        },
    }


async def test_a_taps_answer_rides_back_in_the_webhook_response(
    webhook: tuple[TestClient, LocalSession], services: Services
) -> None:
    """Telegram runs a method given in the webhook's response: the bot saves its own request."""
    client, session = webhook
    await registered(services, ZOE)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    resp = await client.post(PATH, json=tap(3, MenuCD(action="balance").pack()), headers=headers)
    assert resp.status == 200
    assert await resp.json() == {"method": "answerCallbackQuery", "callback_query_id": "tap-3"}
    reply = await wait_for_reply(session, "Balance: <b>10</b>")  # the rest goes on as before
    assert int(reply.chat_id) == ZOE.id
    assert not [c for c in session.calls if isinstance(c, AnswerCallbackQuery)]  # not sent again
    # an update that is not a tap is answered with nothing to run
    resp = await client.post(PATH, json=update(4, "/balance"), headers=headers)
    assert await resp.json() == {}


async def test_a_tap_answered_with_text_carries_it_in_the_response(
    webhook: tuple[TestClient, LocalSession], services: Services
) -> None:
    client, session = webhook
    await registered(services, ZOE)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    # a Confirm press whose screen is gone: answered with an alert
    resp = await client.post(PATH, json=tap(5, ConfirmCD(action="run", nonce="gone").pack()), headers=headers)
    body = await resp.json()
    assert body["method"] == "answerCallbackQuery" and body["callback_query_id"] == "tap-5"
    assert body["show_alert"] is True and "out of date" in body["text"]
    assert not [c for c in session.calls if isinstance(c, AnswerCallbackQuery)]
