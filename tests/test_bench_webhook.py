"""The webhook benchmark still runs end to end and checks itself: the real `python -m bot`
processes over HTTP, in each mode (its speed is not tested here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PG_SKIP_REASON, REDIS_SKIP_REASON, REPO

USERS = 12
CHECK = f"check: {USERS}/{USERS} results arrived, {USERS} completed, 0 not completed, ledger reconciles"


def bench(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "bench.bench_webhook",
        "--users",
        str(USERS),
        "--models-dir",
        str(models),
    ]
    return subprocess.run(
        [*command, *args], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_webhook_benchmark_runs_the_bot_over_http_and_checks_the_ledger(built_models: Path) -> None:
    done = bench(built_models)
    assert done.returncode == 0, done.stdout + done.stderr
    assert CHECK in done.stdout
    assert "webhook echo floor" in done.stdout and "bot/echo:" in done.stdout


def test_with_telegram_limits_every_result_arrives_no_sooner_than_the_limit_allows(
    built_models: Path,
) -> None:
    rate = 5  # 12 results: the first 5 at once, the others over at least 1.4 s
    done = bench(built_models, "--telegram-limits", "--global-rate", str(rate))
    assert done.returncode == 0, done.stdout + done.stderr
    assert CHECK in done.stdout
    delivery = re.search(
        r"delivery \(bot\): all 12 in ([\d.]+) s .* 429s sent: (\d+) · results lost: 0", done.stdout
    )
    assert delivery is not None, done.stdout
    assert float(delivery.group(1)) >= (USERS - rate) / rate - 0.1  # printed to a tenth
    # the bot's pacer keeps under the limits: Telegram never has to refuse a message (a
    # message that left late could meet a bucket a hair short: at most one or two)
    assert int(delivery.group(2)) <= 2, done.stdout


@pytest.mark.parametrize("processes", ["1", "2"])
def test_the_webhook_benchmark_on_postgresql_and_redis(built_models: Path, processes: str) -> None:
    postgres, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not postgres:
        pytest.skip(PG_SKIP_REASON)
    if not redis:
        pytest.skip(REDIS_SKIP_REASON)
    done = bench(
        built_models, "--mode", "redis", "--processes", processes, "--postgres", postgres, "--redis", redis
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert CHECK in done.stdout
    assert f"PostgreSQL + Redis · {processes} process" in done.stdout
