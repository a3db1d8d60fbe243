"""Helpers for handler tests: a registered user, their row, a prediction through the dialog."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Services
from db.accounts import register
from db.models import User
from tests.bot_harness import Harness, Reply, TgUser

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


async def confirmed(harness: Harness, admin: TgUser, command: str) -> Reply:
    """An admin command that changes something, then Confirm on its confirmation: what the
    confirmation's tap answered (the command's own reply is checked first)."""
    asked = await harness.send(admin, command)
    label = next((b for b in asked.buttons() if b in ("✅ Confirm", "✅ Подтвердить")), None)
    assert label is not None, asked.text
    return await harness.press(admin, label)


async def publish_model(harness: Harness, admin: TgUser, filename: str, data: bytes, meta: str) -> Reply:
    """/addmodel as an admin does it: the file, its metadata, then Publish. What Publish answered
    (or, if the upload was refused on the way, that refusal)."""
    await harness.send(admin, "/addmodel")
    r = await harness.upload(admin, filename, data, mime="application/octet-stream")
    if "⚠️" in r.text or "⛔" in r.text:
        return r
    r = await harness.send(admin, meta)
    if "🚀" not in " ".join(r.buttons()):
        return r
    return await harness.press(admin, "🚀")


async def predict_in_dialog(harness: Harness, tg: TgUser, title: str, values: str) -> str:
    """A whole paid run as a user makes it: the catalogue, the model, its inputs in one message,
    Confirm. The last text the bot sent."""
    await harness.send(tg, "/predict")
    await harness.press(tg, title)
    await harness.press(tg, "Enter inputs")
    await harness.send(tg, values)
    return (await harness.press(tg, "Confirm")).texts[-1]
