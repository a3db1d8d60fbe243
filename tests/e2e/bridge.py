"""A small HTTP bridge between the bot process and the telegram-test-api emulator.

The bot under test is the real program (`python -m bot`), configured only by environment
variables; its TELEGRAM_API_URL points here. The bridge forwards every Bot API call to the
emulator and mends what the emulator does differently from Telegram (see
shared/notes/bot-api-emulator.md), so that nothing in the bot has to know it is being tested:

- getMe lacks `is_bot`; callback queries lack `chat_instance`; messages the emulator creates
  carry dates in milliseconds; some request fields come back as JSON strings;
- getUpdates answers at once and ignores offset/timeout: the bridge long-polls it (re-asks
  every few milliseconds until an update arrives or the timeout passes) and drops updates at
  or below the offset the bot has confirmed;
- edit/answer/delete return `result: null` (Telegram returns true);
- errors come as HTTP 200 with `ok: false`, or as 500 without `ok`: mapped to 400/ok:false;
- getStarTransactions is not implemented: answered here with an empty record;
- sendPhoto and editMessageMedia are not implemented (nor are uploads): forwarded as sendMessage /
  editMessageText of the caption, so a result sent as a chart reads as its text;
- setMyCommands and sendChatAction are not implemented: answered here (they change nothing
  a user can see in the emulator). Other missing methods are refused with a clear 400.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
from aiohttp import web

ANSWERED_HERE = {
    "setmycommands",
    "sendchataction",
    "deletemycommands",
    "setmydescription",
    "setmyshortdescription",
}
NULL_IS_TRUE = {
    "editmessagetext",
    "editmessagereplymarkup",
    "answercallbackquery",
    "deletemessage",
    "deletewebhook",
    "setwebhook",
}
JSON_FIELDS = ("link_preview_options", "reply_parameters", "reply_markup", "entities")
PHOTO_AS_TEXT = {"sendphoto": "sendMessage", "editmessagemedia": "editMessageText"}


def _photo_as_text(fields: dict[str, Any]) -> dict[str, Any]:
    """A photo's call as the text call of its caption (the file itself is dropped)."""
    out = {k: v for k, v in fields.items() if isinstance(v, (str, int, float, bool, list, dict))}
    media = out.pop("media", None)
    if isinstance(media, str):
        try:
            media = json.loads(media)
        except ValueError:
            media = None
    caption = out.pop("caption", None) or (media.get("caption") if isinstance(media, dict) else None)
    out.pop("photo", None)
    out["text"] = caption or "🖼"
    return out


def _fix_message(msg: Any) -> Any:
    if not isinstance(msg, dict):
        return msg
    date = msg.get("date")
    if isinstance(date, (int, float)) and date > 10**11:  # milliseconds
        msg["date"] = int(date // 1000)
    for key in JSON_FIELDS:
        if isinstance(msg.get(key), str):
            try:
                msg[key] = json.loads(msg[key])
            except ValueError:
                msg.pop(key)
    if "chat" not in msg and "chat_id" in msg:
        msg["chat"] = {"id": int(msg["chat_id"]), "type": "private"}
    if "reply_markup" in msg and not msg["reply_markup"]:
        msg.pop("reply_markup")
    return msg


class Bridge:
    def __init__(self, emulator_url: str) -> None:
        self.emulator_url = emulator_url.rstrip("/")
        self._confirmed: dict[str, int] = {}  # token -> highest update_id the bot confirmed
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._polls: dict[str, int] = {}  # token -> the newest getUpdates call (its number)
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int) -> str:
        self._http = aiohttp.ClientSession()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, token: str, method: str, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        assert self._http is not None
        async with self._http.post(f"{self.emulator_url}/bot{token}/{method}", json=fields) as resp:
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                body = {"ok": False, "description": (await resp.text())[:200]}
            return resp.status, body if isinstance(body, dict) else {"ok": False, "description": str(body)}

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        fields: dict[str, Any] = dict(await request.post()) if request.can_read_body else {}
        if request.content_type == "application/json":
            fields = await request.json()
        name = method.lower()
        if name in ANSWERED_HERE:
            return web.json_response({"ok": True, "result": True})
        if name == "getstartransactions":  # no Stars in the emulator: an empty record
            return web.json_response({"ok": True, "result": {"transactions": []}})
        if name == "getupdates":
            return web.json_response({"ok": True, "result": await self._get_updates(token, fields)})
        if name in PHOTO_AS_TEXT:
            method, fields = PHOTO_AS_TEXT[name], _photo_as_text(fields)
        _, body = await self._forward(token, method, fields)
        if "ok" not in body:  # a method the emulator does not have
            description = body.get("message") or body.get("description") or "unsupported"
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: emulator: {description}"},
                status=400,
            )
        if not body.get("ok"):
            return web.json_response(
                {"ok": False, "error_code": 400, "description": str(body.get("description", "Bad Request"))},
                status=400,
            )
        result = body.get("result")
        if name == "getme" and isinstance(result, dict):
            result.setdefault("is_bot", True)
        elif result is None and name in NULL_IS_TRUE:
            result = True
        elif isinstance(result, dict):
            result = _fix_message(result)
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, token: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
        """Updates above the confirmed offset, waiting up to the call's timeout for one. As on
        Telegram, a newer getUpdates call ends an older one (a stopped bot's call outlives its
        process here: aiohttp does not cancel a handler whose client left). The ended call takes
        nothing: what it fetched stays pending for the newer one, never lost with a dead
        connection (a restarted bot's first update once went that way)."""
        offset = int(fields.get("offset") or 0)
        if offset:
            self._confirmed[token] = max(self._confirmed.get(token, 0), offset - 1)
        poll = self._polls[token] = self._polls.get(token, 0) + 1
        timeout = min(float(fields.get("timeout") or 0), 25.0)
        deadline = time.monotonic() + timeout
        while True:
            if self._polls[token] != poll:
                return []
            confirmed = self._confirmed.get(token, 0)
            self._pending[token] = [u for u in self._pending.get(token, []) if u["update_id"] > confirmed]
            if not self._pending[token]:
                _, body = await self._forward(token, "getUpdates", {})
                fresh = [self._fix_update(u) for u in (body.get("result") or [])]
                self._pending.setdefault(token, []).extend(fresh)  # kept for whichever call is newest
                if self._polls[token] != poll:
                    return []
            if self._pending[token] or time.monotonic() >= deadline:
                return list(self._pending[token])
            await asyncio.sleep(0.01)

    @staticmethod
    def _fix_update(update: dict[str, Any]) -> dict[str, Any]:
        if "message" in update:
            _fix_message(update["message"])
        query = update.get("callback_query")
        if isinstance(query, dict):
            query.setdefault("chat_instance", str(query.get("from", {}).get("id", "0")))
            _fix_message(query.get("message"))
        return update
