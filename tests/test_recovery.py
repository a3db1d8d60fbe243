"""Runs a stop left pending are settled in the background once the bot serves, and each user is
told once, in one summary, even when several processes start together."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import select

from bot.app import Services, build_services
from bot.dispatcher import create_bot, notify_recovered, recover_and_notify
from bot.i18n import I18n
from bot.local_session import LocalSession
from db.accounts import Passwords, register
from db.ledger import deduct_balance
from db.models import Model, Prediction, TxKind
from tests import models_for_tests
from tests.helpers import assert_reconciled, balance_of
from tests.models_for_tests import Exploding, Gated
from tests.models_for_tests import install_model as install
from tests.support import settings_for

SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
BLOCKED_CHAT = 6003


class TelegramPeer(LocalSession):
    """Answers like the Bot API; the user in BLOCKED_CHAT has blocked the bot (403)."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage) and int(method.chat_id) == BLOCKED_CHAT:
            self.calls.append(method)
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
        return await super().make_request(bot, method, timeout)


def summaries(*sessions: LocalSession) -> Counter[int]:
    return Counter(int(c.chat_id) for s in sessions for c in s.calls if isinstance(c, SendMessage))


def texts(session: LocalSession, chat: int) -> list[str]:
    return [c.text for c in session.calls if isinstance(c, SendMessage) and int(c.chat_id) == chat]


async def new_user(services: Services, tg: int, lang: str | None = None) -> int:
    async with services.session_factory() as s, s.begin():
        user = await register(
            s,
            telegram_id=tg,
            username=f"user{tg}",
            email=f"user{tg}@example.com",
            password="passw0rd!",
            passwords=services.passwords,
            language=lang,
        )
        return user.id


async def pending_run(
    services: Services, uid: int, model: str, inputs: dict[str, Any], cost: float = 1.0
) -> int:
    """What a stop after the charge leaves behind: a committed charge and a pending run."""
    async with services.session_factory() as s, s.begin():
        model_id = await s.scalar(select(Model.id).where(Model.name == model))
        run = Prediction(user_id=uid, model_id=model_id, input_data=inputs, status="pending")
        s.add(run)
        await s.flush()
        await deduct_balance(s, uid, cost, f"Prediction ({model})", prediction_id=run.id, kind=TxKind.CHARGE)
        return run.id


async def notices(services: Services) -> Counter[tuple[str, str | None]]:
    async with services.session_factory() as s:
        rows = await s.execute(select(Prediction.status, Prediction.notice))
        return Counter((status, notice) for status, notice in rows)


async def crashed_with_pending(db_url: str, models_dir: Path, passwords: Passwords) -> dict[str, int]:
    """A database a crash left with pending runs: 'many' has 7 (5 that complete when re-run, 2 on a
    model that fails), 'ru' has 2, 'blocked' (who blocked the bot) has 1."""
    services = await build_services(settings_for(db_url, models_dir), passwords)
    try:
        await install(services, "exploding", Exploding())
        users = {
            "many": await new_user(services, 6001),
            "ru": await new_user(services, 6002, lang="ru"),
            "blocked": await new_user(services, BLOCKED_CHAT),
        }
        for _ in range(5):
            await pending_run(services, users["many"], "iris_logreg", SETOSA)
        for _ in range(2):
            await pending_run(services, users["many"], "exploding", {"x": 1})
        await pending_run(services, users["ru"], "iris_logreg", SETOSA)
        await pending_run(services, users["ru"], "exploding", {"x": 1})
        await pending_run(services, users["blocked"], "iris_logreg", SETOSA)
        return users
    finally:
        await services.close()


async def test_start_up_settles_nothing_and_recovery_tells_each_user_once(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    users = await crashed_with_pending(db_url, models_dir, passwords)
    services = await build_services(settings_for(db_url, models_dir), passwords)
    peer = TelegramPeer()
    try:
        assert len(services.pending_at_start) == 10
        assert await notices(services) == {("pending", None): 10}  # serving starts before any of it
        sent = await recover_and_notify(create_bot("42:TEST", session=peer), services, I18n())
        assert sent == 2  # the blocked user was tried, logged and skipped
        assert summaries(peer) == {6001: 1, 6002: 1, BLOCKED_CHAT: 1}
        [many] = texts(peer, 6001)
        assert "Completed: <b>5</b> · failed, credits refunded: <b>2</b>" in many
        assert "Balance: <b>5</b>" in many
        [ru] = texts(peer, 6002)
        assert "Завершено: <b>1</b> · не выполнено, кредиты возвращены: <b>1</b>" in ru
        [message] = [c for c in peer.calls if isinstance(c, SendMessage) and int(c.chat_id) == 6001]
        buttons = [b.text for row in message.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert buttons == ["📜 History", "🏠 Menu"]
        assert await notices(services) == {("completed", "sent"): 7, ("failed", "sent"): 3}
        assert await balance_of(services.session_factory, users["many"]) == Decimal(5)
        # told once: another pass, or another start, has nothing to say
        assert await recover_and_notify(create_bot("42:TEST", session=peer), services, I18n()) == 0
        assert summaries(peer) == {6001: 1, 6002: 1, BLOCKED_CHAT: 1}
        await assert_reconciled(services.session_factory)
    finally:
        await services.close()


async def test_two_processes_recovering_together_tell_each_user_once(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    await crashed_with_pending(db_url, models_dir, passwords)
    first = await build_services(settings_for(db_url, models_dir), passwords)
    second = await build_services(settings_for(db_url, models_dir), passwords)
    peers = TelegramPeer(), TelegramPeer()
    try:
        assert first.pending_at_start == second.pending_at_start and len(first.pending_at_start) == 10
        sent = await asyncio.gather(
            recover_and_notify(create_bot("42:TEST", session=peers[0]), first, I18n()),
            recover_and_notify(create_bot("42:TEST", session=peers[1]), second, I18n()),
        )
        assert sum(sent) == 2
        assert summaries(*peers) == {6001: 1, 6002: 1, BLOCKED_CHAT: 1}
        [many] = texts(peers[0], 6001) + texts(peers[1], 6001)
        assert "Completed: <b>5</b> · failed, credits refunded: <b>2</b>" in many
        assert await notices(first) == {("completed", "sent"): 7, ("failed", "sent"): 3}
        await assert_reconciled(first.session_factory)
    finally:
        await first.close()
        await second.close()


async def test_a_run_started_while_recovering_is_left_to_its_own_run(
    db_url: str, models_dir: Path, passwords: Passwords
) -> None:
    services = await build_services(settings_for(db_url, models_dir), passwords)
    await install(services, "gated", Gated())
    uid = await new_user(services, 6001)
    left = await pending_run(services, uid, "iris_logreg", SETOSA)
    await services.close()

    services = await build_services(settings_for(db_url, models_dir), passwords)
    models_for_tests.GATE.clear()
    models_for_tests.ENTERED.clear()
    try:
        assert services.pending_at_start == [left]
        live = asyncio.create_task(services.predictions.run(user_id=uid, model_name="gated", values="1"))
        # until the live run is inside its model call (pending)
        assert await asyncio.to_thread(models_for_tests.ENTERED.wait, 10)
        [recovered] = await services.recover()
        assert recovered.prediction_id == left and recovered.ok
        assert (
            await notify_recovered(create_bot("42:TEST", session=LocalSession()), services, I18n(), rate=1000)
            == 1
        )
        models_for_tests.GATE.set()
        outcome = await live
        loaded = services.registry.cached("gated")
        assert outcome.ok and loaded is not None and loaded.estimator.calls == [1]  # run once, by its own run
        async with services.session_factory() as s:
            assert (
                await s.scalar(select(Prediction.notice).where(Prediction.id == outcome.prediction_id))
                is None
            )
        await assert_reconciled(services.session_factory)
    finally:
        models_for_tests.GATE.set()
        await services.close()
