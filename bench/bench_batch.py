"""A CSV batch through the paid path: rows per second for one user's batch of N rows.

    python -m bench.bench_batch [--rows 1000] [--model iris_logreg]

One user (balance enough for all rows) sends a batch; it is charged (one Prediction and one
charge per row, in one transaction), run as one model call, and every row settled. Printed: the
time of each step and rows per second. Exits non-zero unless every row completed, the charge is
exactly rows x cost and the ledger reconciles.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher

from bench.bench_predictions import built_catalogue, make_users, positive_int, unknown_model
from bot.app import build_services
from bot.app import run as run_loop
from bot.config import Settings
from db.accounts import Passwords
from db.ledger import increase_balance, reconcile


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    models = built_catalogue(workdir)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        models_dir=models,
        fsm_path=workdir / "fsm.db",
        log_level="WARNING",
    )
    services = await build_services(
        settings, Passwords(PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
    )
    ok = False
    try:
        if error := unknown_model(services, args.model):
            print(error, file=sys.stderr)
            return 2
        [uid] = await make_users(services, 1)
        meta = services.registry.meta(args.model)
        async with services.session_factory() as s:
            cost = (await services.predictions.quote(s, uid, args.model)).cost
        async with services.session_factory() as s, s.begin():
            await increase_balance(s, uid, cost * args.rows, "bench top-up")
        row = {f.name: f.example for f in meta.features}
        started = time.perf_counter()
        out = await services.predictions.run_batch(
            user_id=uid, model_name=args.model, rows=[row] * args.rows, request_key="bench"
        )
        wall = time.perf_counter() - started
        async with services.session_factory() as s:
            bad = await reconcile(s)
        completed = sum(1 for _, status, _ in out.items if status == "completed")
        print(f"\nCSV batch of {args.rows} rows · model {args.model} · SQLite")
        print(f"charged, run and settled in {wall * 1000:.0f} ms: {args.rows / wall:.0f} rows/s")
        print(
            f"check: {completed}/{args.rows} completed, charged {out.charged} (expected "
            f"{cost * args.rows}), ledger {'reconciles' if not bad else 'BROKEN'}"
        )
        ok = completed == args.rows and out.charged == cost * args.rows and not bad
    finally:
        await services.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=positive_int, default=1000)
    parser.add_argument("--model", default="iris_logreg")
    args = parser.parse_args()
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
