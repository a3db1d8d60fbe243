"""Helpers for handler tests: a registered user, their row, a prediction through the dialog."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Services
from db.accounts import register
from db.models import User
from tests.bot_harness import Harness, TgUser

PASSWORD = "passw0rd-1"


async def registered(services: Services, tg: TgUser, name: str | None = None, lang: str | None = None) -> int:
    name = name or tg.username or f"user{tg.id}"
    async with services.session_factory() as s, s.begin():
        user = await register(
            s,
            telegram_id=tg.id,
            username=name,
            email=f"{name}@example.com",
            password=PASSWORD,
            passwords=services.passwords,
            language=lang,
        )
        return user.id


async def db_user(services: Services, tg_id: int) -> User | None:
    async with services.session_factory() as s:
        return await s.scalar(select(User).where(User.telegram_id == tg_id))


async def predict_in_dialog(harness: Harness, tg: TgUser, title: str, values: str) -> str:
    """A whole paid run as a user makes it: the catalogue, the model, its inputs in one message,
    Confirm. The last text the bot sent."""
    await harness.send(tg, "/predict")
    await harness.press(tg, title)
    await harness.press(tg, "Enter inputs")
    await harness.send(tg, values)
    return (await harness.press(tg, "Confirm")).texts[-1]
