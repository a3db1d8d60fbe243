"""End-to-end fixtures: the telegram-test-api emulator (Node.js), the bridge, the real bot process."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.bot_process import REPO, TOKEN, BotProcess
from tests.e2e.bridge import Bridge
from tests.e2e.client import EmulatorClient
from tests.support import free_port

HERE = Path(__file__).resolve().parent


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
