"""Pictures Telegram has already go by file_id; a picture is uploaded once even in a burst. The
`send` here stands in for Telegram's sendPhoto (the only part replaced): it answers with the
Message Telegram would, a photo with a new file_id for an upload."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile, Chat, Message, PhotoSize

from bot.photo_ids import PhotoIds

PNG = b"\x89PNG\r\n\x1a\n" + b"chart"


class Telegram:
    def __init__(self) -> None:
        self.sent: list[BufferedInputFile | str] = []
        self.ids = itertools.count(1)
        self.known: set[str] = set()
        self.upload_may_finish = asyncio.Event()
        self.upload_may_finish.set()
        self.upload_started = asyncio.Event()
        self.fail_uploads = 0

    async def send(self, photo: BufferedInputFile | str) -> Message:
        self.sent.append(photo)
        if isinstance(photo, str):
            if photo not in self.known:
                raise TelegramBadRequest(
                    method=SendPhoto(chat_id=1, photo=photo),
                    message="Bad Request: wrong file identifier/HTTP URL specified",
                )
            file_id = photo
        else:
            self.upload_started.set()
            await self.upload_may_finish.wait()
            if self.fail_uploads:
                self.fail_uploads -= 1
                raise TelegramNetworkError(method=SendPhoto(chat_id=1, photo=photo), message="timeout")
            file_id = f"file{next(self.ids)}"
            self.known.add(file_id)
        size = PhotoSize(file_id=file_id, file_unique_id=file_id, width=640, height=140)
        return Message(
            message_id=len(self.sent),
            date=datetime.now(UTC),
            chat=Chat(id=1, type="private"),
            photo=[size],
        )


def uploads(telegram: Telegram) -> int:
    return sum(1 for p in telegram.sent if isinstance(p, BufferedInputFile))


async def test_the_second_send_goes_by_the_id_the_first_upload_got() -> None:
    telegram, ids = Telegram(), PhotoIds()
    first = await ids.send(PNG, telegram.send)
    second = await ids.send(PNG, telegram.send)
    assert first.photo and second.photo and second.photo[-1].file_id == first.photo[-1].file_id
    assert telegram.sent[1] == "file1" and uploads(telegram) == 1
    await ids.send(PNG + b"other", telegram.send)  # another picture: its own upload
    assert uploads(telegram) == 2 and len(ids) == 2


async def test_a_burst_of_the_same_picture_uploads_it_once() -> None:
    telegram, ids = Telegram(), PhotoIds()
    telegram.upload_may_finish.clear()
    sends = [asyncio.create_task(ids.send(PNG, telegram.send)) for _ in range(5)]
    await telegram.upload_started.wait()  # the first upload is on its way; the others wait for it
    assert len(telegram.sent) == 1
    telegram.upload_may_finish.set()
    sent = await asyncio.gather(*sends)
    assert uploads(telegram) == 1 and telegram.sent[1:] == ["file1"] * 4
    assert {m.photo[-1].file_id for m in sent if m.photo} == {"file1"}


async def test_a_failed_upload_lets_the_waiting_sends_upload_themselves() -> None:
    telegram, ids = Telegram(), PhotoIds()
    telegram.upload_may_finish.clear()
    telegram.fail_uploads = 1
    sends = [asyncio.create_task(ids.send(PNG, telegram.send)) for _ in range(3)]
    await telegram.upload_started.wait()
    telegram.upload_may_finish.set()
    results = await asyncio.gather(*sends, return_exceptions=True)
    assert isinstance(results[0], TelegramNetworkError)  # the caller of the failed upload is told
    assert all(isinstance(m, Message) and m.photo for m in results[1:])  # the others delivered
    assert len(ids) == 1


async def test_an_id_telegram_refuses_is_forgotten_and_the_picture_uploaded() -> None:
    telegram, ids = Telegram(), PhotoIds()
    await ids.send(PNG, telegram.send)
    telegram.known.clear()  # Telegram no longer takes the id
    again = await ids.send(PNG, telegram.send)
    assert telegram.sent[1] == "file1" and isinstance(telegram.sent[2], BufferedInputFile)
    assert again.photo and again.photo[-1].file_id == "file2" and ids.get(PNG) == "file2"


def test_the_oldest_ids_go_past_the_bound() -> None:
    ids = PhotoIds(max_items=2)
    for n in range(3):
        size = PhotoSize(file_id=f"f{n}", file_unique_id=f"f{n}", width=1, height=1)
        sent = Message(message_id=n, date=datetime.now(UTC), chat=Chat(id=1, type="private"), photo=[size])
        ids.remember(PNG + bytes([n]), sent)
    assert ids.get(PNG + b"\x00") is None and ids.get(PNG + b"\x02") == "f2" and len(ids) == 2
