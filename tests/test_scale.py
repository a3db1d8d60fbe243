"""Two bot processes behind one webhook URL, sharing PostgreSQL and Redis: a user's updates go
alternately to both, one of them twice, and the dialog goes on, nothing is charged twice."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ml import formats
from tests.fake_bot_api import FakeBotApi
from tests.models_for_tests import TINY_TREE_META, tiny_tree
from tests.support import PG_SKIP_REASON, REPO, free_port, make_pg_database

SECRET = "two-process-secret"
USER = {
    "id": 880_001,
    "is_bot": False,
    "first_name": "Multi",
    "username": "multi_user",
    "language_code": "en",
}
_update_ids = iter(range(1, 10_000))


@pytest.fixture
def pg_url() -> Iterator[str]:
    admin = os.environ.get("TEST_DATABASE_URL")
    if not admin:
        pytest.skip(PG_SKIP_REASON)
    yield from make_pg_database(admin)


class Process:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    async def ready(self) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(2400):  # up to 2 minutes: a loaded 2-core machine starts slowly
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
                await asyncio.sleep(0.05)
        raise AssertionError("not ready:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture
async def cluster(
    pg_url: str, redis_scratch: tuple[str, str], tmp_path: Path, built_models: Path
) -> AsyncIterator[tuple[FakeBotApi, list[Process]]]:
    api = FakeBotApi()
    api_url = await api.start(free_port())
    models = tmp_path / "models"
    shutil.copytree(built_models, models)  # built once, as a deployment would before starting processes
    procs = []
    for i in range(2):
        port = free_port()
        env = {
            **os.environ,
            "BOT_TOKEN": "123:MULTI",
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": pg_url,
            "REDIS_URL": redis_scratch[0],
            "REDIS_PREFIX": redis_scratch[1],
            "MODE": "webhook",
            "WEBHOOK_URL": "https://bot.example.com",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SET_ON_START": "true" if i == 0 else "false",
            "MODELS_DIR": str(models),
            "ADMIN_IDS": "1",
            "LOG_FORMAT": "json",
            # a scripted user is faster than a person: the shared flood limit would (rightly) drop it
            "THROTTLE_RATE": "100",
            "THROTTLE_BURST": "100",
        }
        procs.append(Process(env, port, tmp_path / f"bot{i}.log"))
    for p in procs:
        p.start()
    try:
        await asyncio.gather(*(p.ready() for p in procs))
        yield api, procs
    finally:
        for p in procs:
            p.stop()
        await api.stop()


def message(text: str, who: dict[str, Any] = USER) -> dict[str, Any]:
    n = next(_update_ids)
    msg: dict[str, Any] = {
        "message_id": n,
        "date": int(time.time()),
        "chat": {"id": who["id"], "type": "private"},
        "from": who,
        "text": text,
    }
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": 10_000 + n, "message": msg}


def document(file_id: str, file_name: str, who: dict[str, Any]) -> dict[str, Any]:
    n = next(_update_ids)
    msg = {
        "message_id": n,
        "date": int(time.time()),
        "chat": {"id": who["id"], "type": "private"},
        "from": who,
        "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name},
    }
    return {"update_id": 10_000 + n, "message": msg}


def press(data: str, who: dict[str, Any] = USER) -> dict[str, Any]:
    n = next(_update_ids)
    return {
        "update_id": 10_000 + n,
        "callback_query": {
            "id": f"cb{n}",
            "from": who,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": who["id"], "type": "private"},
                "text": "…",
            },
        },
    }


async def post(http: aiohttp.ClientSession, proc: Process, update: dict[str, Any]) -> None:
    async with http.post(
        f"http://127.0.0.1:{proc.port}/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    ) as resp:
        assert resp.status == 200


async def reply(api: FakeBotApi, needle: str, after: int, chat_id: int = USER["id"]) -> dict[str, Any]:
    for _ in range(800):
        for text_, params in api.texts(chat_id)[after:]:
            if needle in text_:
                return params
        await asyncio.sleep(0.025)
    raise AssertionError(f"no reply {needle!r}; got {[t[:60] for t, _ in api.texts(chat_id)[-4:]]}")


async def test_two_processes_share_dialogs_and_never_charge_twice(
    cluster: tuple[FakeBotApi, list[Process]], pg_url: str
) -> None:
    api, (a, b) = cluster
    assert [m for m, _ in api.calls].count("setwebhook") == 1
    async with aiohttp.ClientSession() as http:
        steps = [
            (a, message("/start"), "Choose a <b>username</b>"),
            (b, message("multi_user"), "Step 2/3"),
            (a, message("multi@example.com"), "Step 3/3"),
            (b, message("passw0rd-multi"), "created"),
            (a, message("/predict"), "Choose a model"),
            (b, press("m:card:iris_logreg"), "What to enter (4)"),
            (a, press("m:start:iris_logreg"), "1/4. Sepal length, cm"),
            (b, message("5.1"), "2/4"),
            (a, message("3.5"), "3/4"),
            (b, message("1.4"), "4/4"),
            (a, message("0.2"), "please check"),
        ]
        params: dict[str, Any] = {}
        for proc, update, needle in steps:
            seen = len(api.texts(USER["id"]))
            await post(http, proc, update)
            params = await reply(api, needle, seen)
        buttons = [btn for row in params["reply_markup"]["inline_keyboard"] for btn in row]
        confirm = next(btn["callback_data"] for btn in buttons if btn["text"].startswith("✅"))
        seen = len(api.texts(USER["id"]))
        duplicated = press(confirm)
        await asyncio.gather(post(http, a, duplicated), post(http, b, duplicated))  # the same update, twice
        await reply(api, "Prediction: <b>Iris setosa</b>", seen)
        seen = len(api.texts(USER["id"]))
        await post(http, b, press(confirm))  # a second tap, on the other process
        await asyncio.sleep(0)
        await post(http, a, message("/balance"))
        await reply(api, "Balance: <b>9</b>", seen)

    engine = create_async_engine(pg_url)
    try:
        async with engine.connect() as conn:
            charges = (
                await conn.execute(text("SELECT COUNT(*) FROM transactions WHERE kind = 'charge'"))
            ).scalar()
            predictions = (await conn.execute(text("SELECT COUNT(*) FROM predictions"))).scalar()
            rows = (
                await conn.execute(
                    text(
                        "SELECT u.id, u.balance, COALESCE(SUM(t.amount), 0) FROM users u "
                        "LEFT JOIN transactions t ON t.user_id = u.id GROUP BY u.id, u.balance"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert charges == 1 and predictions == 1
    assert [(Decimal(repr(b_)), Decimal(repr(s_)).quantize(Decimal("0.01"))) for _, b_, s_ in rows] == [
        (Decimal("9.0"), Decimal("9.00"))
    ]
    logs = a.log.read_text() + b.log.read_text()
    assert '"update_id":' in logs and f'"user_id": {USER["id"]}' in logs  # structured logs name both


ADMIN = {"id": 1, "is_bot": False, "first_name": "Boss", "username": "boss", "language_code": "en"}


async def test_a_model_uploaded_on_one_process_runs_on_the_other(
    cluster: tuple[FakeBotApi, list[Process]],
) -> None:
    """Upload on A → runs on B; a new version uploaded on B → runs on A; rolled back on A →
    runs on B; disabled on B → refused on A. Nothing but the database and Redis is shared."""
    api, (a, b) = cluster

    def tree_file(labels: list[int]) -> str:
        return api.add_file(formats.dumps(tiny_tree((labels[0], labels[1]))))

    async with aiohttp.ClientSession() as http:

        async def step(proc: Process, update: dict[str, Any], needle: str, who: dict[str, Any] = USER) -> Any:
            seen = len(api.texts(who["id"]))
            await post(http, proc, update)
            return await reply(api, needle, seen, who["id"])

        async def upload(proc: Process, labels: list[int], needle: str) -> None:
            await step(proc, message("/addmodel", ADMIN), ".skops", ADMIN)
            await step(proc, document(tree_file(labels), "tree.skops", ADMIN), "metadata as JSON", ADMIN)
            params = await step(proc, message(json.dumps(TINY_TREE_META), ADMIN), "is checked", ADMIN)
            await step(proc, press(button(params, "Publish"), ADMIN), needle, ADMIN)

        def button(params: Any, label: str) -> str:
            buttons = [btn for row in params["reply_markup"]["inline_keyboard"] for btn in row]
            return str(next(btn["callback_data"] for btn in buttons if label in btn["text"]))

        async def run(proc: Process, answer: str) -> None:
            await step(proc, press("m:card:tiny_tree"), "What to enter (2)")
            await step(proc, press("m:start:tiny_tree"), "1/2")
            params = await step(proc, message("1 1"), "please check")
            buttons = [btn for row in params["reply_markup"]["inline_keyboard"] for btn in row]
            confirm = next(btn["callback_data"] for btn in buttons if btn["text"].startswith("✅"))
            await step(proc, press(confirm), f"Prediction: <b>{answer}</b>")

        for proc, update, needle in [
            (a, message("/start"), "Choose a <b>username</b>"),
            (b, message("store_user"), "Step 2/3"),
            (a, message("store@example.com"), "Step 3/3"),
            (b, message("passw0rd-store"), "created"),
        ]:
            await step(proc, update, needle)
        await upload(a, [0, 1], "added as version 1")
        params = await step(b, message("/predict"), "Choose a model")
        assert "Tiny tree" in json.dumps(params["reply_markup"], ensure_ascii=False)
        await run(b, "yes")
        await upload(b, [1, 0], "updated to version 2 (was 1)")  # answers the other way round
        await run(a, "no")
        await step(a, message("/rollback tiny_tree", ADMIN), "now serves version 1 (was 2)", ADMIN)
        await run(b, "yes")
        params = await step(b, message("/disable_model tiny_tree", ADMIN), "Switch off", ADMIN)
        await step(b, press(button(params, "Confirm"), ADMIN), "is disabled", ADMIN)
        await step(a, press("m:card:tiny_tree"), "not available")
        params = await step(a, message("/predict"), "Choose a model")
        assert "Tiny tree" not in json.dumps(params["reply_markup"], ensure_ascii=False)
        await step(a, message("/balance"), "Balance: <b>8.5</b>")
