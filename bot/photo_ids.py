"""Pictures already sent, by their bytes: Telegram's file_id for each, so the same picture goes
again as a short id instead of an upload.

A file_id stays valid for the bot that received it, and a photo sent by id is neither uploaded
nor processed again by Telegram: a request of a few hundred bytes instead of a multipart upload
of the PNG, answered sooner. Charts repeat (results that look alike are one chart; see
bot/charts.py), so most pictures after the first few are sent this way. A picture is uploaded
once even in a burst: whoever sends it while its first upload is on the way waits for that
upload's id (and uploads after all if it failed).

Keyed by a 16-byte BLAKE2 digest of the PNG (a few microseconds), so the ids do not keep images
alive after the renderer's cache has let them go. Bounded (least recently used out). Per
process: each learns its own ids, all valid for the bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, Message

log = logging.getLogger(__name__)

Send = Callable[[BufferedInputFile | str], Awaitable[Message]]


def _key(png: bytes) -> bytes:
    return hashlib.blake2b(png, digest_size=16).digest()


class PhotoIds:
    def __init__(self, max_items: int = 4096) -> None:
        self.max_items = max_items
        self._ids: OrderedDict[bytes, str] = OrderedDict()  # digest -> file_id
        self._uploading: dict[bytes, asyncio.Future[str | None]] = {}  # digest -> its upload's id

    def get(self, png: bytes) -> str | None:
        key = _key(png)
        file_id = self._ids.get(key)
        if file_id is not None:
            self._ids.move_to_end(key)
        return file_id

    def remember(self, png: bytes, sent: Message | bool) -> str | None:
        """Keep (and return) the file_id Telegram gave the largest size of the photo `sent`."""
        if not isinstance(sent, Message) or not sent.photo:
            return None
        key = _key(png)
        file_id = self._ids[key] = sent.photo[-1].file_id
        self._ids.move_to_end(key)
        while len(self._ids) > self.max_items:
            self._ids.popitem(last=False)
        return file_id

    def forget(self, png: bytes) -> None:
        self._ids.pop(_key(png), None)

    async def send(self, png: bytes, send: Send, name: str = "chart.png") -> Message:
        """`send(photo)` with the picture by its file_id when Telegram has it (an id refused is
        forgotten), else uploaded, once."""
        file_id = self.get(png)
        uploading = self._uploading.get(_key(png))
        if file_id is None and uploading is not None:
            file_id = await asyncio.shield(uploading)  # None: that upload failed
        if file_id is not None:
            try:
                return await send(file_id)
            except TelegramBadRequest as exc:
                self.forget(png)
                log.info("a picture's file_id was refused, uploading it again: %s", exc.message)
        return await self._upload(png, send, name)

    async def _upload(self, png: bytes, send: Send, name: str) -> Message:
        key = _key(png)
        done: asyncio.Future[str | None] | None = None
        if key not in self._uploading:  # the first upload: the others meanwhile wait for its id
            done = self._uploading[key] = asyncio.get_running_loop().create_future()
        file_id = None
        try:
            sent = await send(BufferedInputFile(png, filename=name))
            file_id = self.remember(png, sent)
            return sent
        finally:
            if done is not None:
                del self._uploading[key]
                done.set_result(file_id)

    def __len__(self) -> int:
        return len(self._ids)
