"""End-to-end fixtures: the telegram-test-api emulator (Node.js), the bridge, the real bot process."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.bridge import Bridge
from tests.e2e.client import EmulatorClient

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TOKEN = "123456:E2E-TEST-TOKEN"
ADMIN_ID = 700_000_001


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def emulator_package() -> Path:
    """telegram-test-api, installed from the npm registry (pinned in package-lock.json)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("end-to-end tests need Node.js and npm (for the telegram-test-api emulator)")
    package = HERE / "node_modules" / "telegram-test-api"
    if not package.is_dir():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0 or not package.is_dir():
            pytest.skip(f"could not install telegram-test-api with npm: {done.stderr.strip()[-300:]}")
    return package


@pytest.fixture(scope="module")
def emulator(emulator_package: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        ["node", str(HERE / "emulator.js"), str(port)],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        pytest.fail(f"the emulator did not start: {line}{proc.stdout.read()[:500]}")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


class BotProcess:
    """`python -m bot` as a user would run it, configured only through environment variables."""

    def __init__(self, api_url: str, workdir: Path) -> None:
        self.workdir = workdir
        self.db_path = workdir / "bot.db"
        self.log_path = workdir / "bot.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}},
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.db_path}",
            "ADMIN_IDS": str(ADMIN_ID),
            "MODELS_DIR": str(workdir / "models"),
            "FSM_PATH": str(workdir / "fsm.db"),
            # scripted users answer in milliseconds, far faster than people: widen the flood limit
            "THROTTLE_RATE": "50",
            "THROTTLE_BURST": "50",
        }
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        started = self._log().count("polling as @")  # the log is appended to on a restart
        log = self.log_path.open("a")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        # ready once it polls: wait for its log line (no fixed sleep)
        for _ in range(600):
            if self._log().count("polling as @") > started:
                return
            if self.proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError("the bot did not start:\n" + self.log_path.read_text(errors="replace")[-3000:])

    def _log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 20)
        self.proc = None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(
    emulator: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[EmulatorClient, BotProcess]]:
    workdir = tmp_path_factory.mktemp("e2e")
    shutil.copytree(
        REPO / "models_store", workdir / "models", ignore=shutil.ignore_patterns("*.joblib", "*.meta.json")
    )  # the bot builds them itself
    bridge = Bridge(emulator)
    api_url = await bridge.start(free_port())
    bot = BotProcess(api_url, workdir)
    await bot.start()
    client = EmulatorClient(emulator, TOKEN)
    try:
        yield client, bot
    finally:
        await bot.stop()
        await client.close()
        await bridge.stop()
