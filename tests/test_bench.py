"""The benchmarks still run end to end and check themselves (their speed is not tested here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_paid_prediction_benchmark_runs_and_checks_the_ledger() -> None:
    done = bench("bench.bench_predictions", "--users", "8", "--rounds", "1")
    assert done.returncode == 0, done.stderr
    assert (
        "check: 24/24 results sent (16/16 as photos), 32 completed, 0 not completed, ledger reconciles"
        in (done.stdout)
    )
    for line in (
        "(a) echo ceiling: bot middlewares, 2 calls",
        "paid predictions, this bot, pictures off",
        "pictures on, chart cache cold",
        "pictures on, chart cache warm",
        "(b) naive paid path",
    ):
        assert line in done.stdout
    assert "paid predictions / echo ceiling: " in done.stdout and "RSS: " in done.stdout


def test_the_csv_batch_benchmark_runs_and_checks_the_charge() -> None:
    done = bench("bench.bench_batch", "--rows", "12")
    assert done.returncode == 0, done.stderr
    assert "check: 12/12 completed, charged 12.00 (expected 12.00), ledger reconciles" in done.stdout


def test_benchmarks_refuse_bad_arguments_with_a_message() -> None:
    zero = bench("bench.bench_predictions", "--users", "0")
    assert zero.returncode == 2 and "--users: must be at least 1" in zero.stderr
    unknown = bench("bench.bench_batch", "--rows", "3", "--model", "nope")
    assert unknown.returncode == 2 and "unknown model 'nope'; the catalogue has: cancer_rf" in unknown.stderr


def test_the_model_format_benchmark_runs_and_compares_the_files() -> None:
    done = bench("bench.bench_models", "--repeat", "3", "--batch", "5")
    assert done.returncode == 0, done.stderr
    lines = [line.split()[0] for line in done.stdout.splitlines() if line[:1].isalpha()]
    assert {"iris_logreg", "cancer_rf", "wine_gb", "diabetes_rf"} <= set(lines)
    assert "the results are identical" in done.stdout


def test_the_middleware_benchmark_takes_each_one_away_and_still_echoes() -> None:
    done = bench("bench.bench_middlewares", "--users", "6", "--rounds", "1")
    assert done.returncode == 0, done.stderr
    assert "every middleware" in done.stdout and "without any" in done.stdout
    assert "without de-duplication (+ throttle verdict)" in done.stdout
