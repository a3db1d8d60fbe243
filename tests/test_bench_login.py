"""The login benchmark runs end to end and checks itself (its figures are not tested here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_login_benchmark_runs_with_the_real_hasher_and_checks_the_ledger() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_login", "--runs", "4", "--loggers", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "check: 9/9 results sent, 9 completed, ledger reconciles" in done.stdout
    assert "Argon2id, time cost 3, 64 MiB" in done.stdout  # the deployed hasher, not a cheap one
    verified = re.search(r"login: (\d+) password verifications ran during the 4 loaded runs", done.stdout)
    assert verified and int(verified.group(1)) > 0, done.stdout
    assert "ratio loaded/idle: p50" in done.stdout


def test_the_login_benchmark_refuses_bad_arguments() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_login", "--loggers", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "--loggers: must be at least 1" in done.stderr
