"""The bot under test, `python -m bot` in a subprocess, and what the end-to-end tests share."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
TOKEN = "123456:E2E-TEST-TOKEN"
ADMIN_ID = 700_000_001


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
