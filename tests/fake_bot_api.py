"""A Bot API server over HTTP for tests of whole processes: answers like Telegram, records calls."""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiohttp import web

from bench.fake_telegram import form_params

BOT = {"id": 4242, "is_bot": True, "first_name": "Predict Bot", "username": "predict_bot"}
MESSAGE_METHODS = {
    "sendmessage",
    "editmessagetext",
    "senddocument",
    "sendinvoice",
    "sendphoto",
    "editmessagemedia",
}


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}  # file_id -> what a user sent (served to downloads)
        self._ids = itertools.count(10_000)
        self._runner: web.AppRunner | None = None

    async def start(self, port: int) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params = await form_params(request)
        self.calls.append((method, params))
        result: Any = True
        if method == "getme":
            result = BOT
        elif method == "getfile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
                )
            size = len(self.files[file_id])
            result = {"file_id": file_id, "file_unique_id": file_id, "file_size": size, "file_path": file_id}
        elif method in MESSAGE_METHODS:
            chat_id = int(params.get("chat_id", 0))
            result = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT,
                "text": params.get("text", ""),
            }
            if isinstance(params.get("reply_markup"), dict):
                result["reply_markup"] = params["reply_markup"]
        return web.json_response({"ok": True, "result": result})

    def add_file(self, data: bytes) -> str:
        """A file as if a user had sent it: its file_id."""
        file_id = f"file{next(self._ids)}"
        self.files[file_id] = data
        return file_id

    async def _download(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["path"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def texts(self, chat_id: int) -> list[tuple[str, dict[str, Any]]]:
        """Texts sent to a chat, a photo's caption among them (a result comes as a chart)."""
        return [
            (p.get("text", "") if m != "sendphoto" else p.get("caption", ""), p)
            for m, p in self.calls
            if m in ("sendmessage", "editmessagetext", "sendphoto") and str(p.get("chat_id")) == str(chat_id)
        ]
