"""Charts and explanations: what a picture and a "Why?" cost.

    python -m bench.bench_charts [--count 40] [--days 30] [--rows 20]

1. Each chart kind (a classifier's result, a regressor's result, an explanation, the 30-day
   dashboard): CPU milliseconds per image rendered cold (every chart different, so the cache
   never answers), the images per second per core that makes, and cached look-ups per second
   (the same chart again), with the PNG's size.
2. The pool: `--count` different result charts rendered through two threads and through two
   processes, wall time and images per second, and how late a 1 ms timer on the event loop fires
   meanwhile (the GIL held by a rendering thread delays the loop; a process does not).
3. Explanations per built-in model: the first call (building the explainer; for the first tree
   model also importing shap) and the median of `--rows` further rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bot.charts import (
    Chart,
    ContributionChart,
    DashboardTexts,
    ProbabilityChart,
    RangeChart,
    RenderCache,
    dashboard,
    render,
    render_cached,
)

REPO = Path(__file__).resolve().parent.parent


def probability_chart(i: int) -> ProbabilityChart:
    p = (i % 997) / 997
    rest = 1 - p
    return ProbabilityChart(
        "Вид ириса",
        ("сетоза", "разноцветный", "виргинский"),
        (rest * 0.3, p, rest * 0.7),
        1,
        (f"{rest * 30:.0f}%", f"{p * 100:.0f}%", f"{rest * 70:.0f}%"),
        "Вероятность",
    )


def range_chart(i: int) -> RangeChart:
    value = 25 + (i * 7) % 321
    return RangeChart(
        "Прогрессирование диабета", value, 25, 346, 43, f"{value}", "25", "346", "обычная ошибка ±43"
    )


def contribution_chart(i: int) -> ContributionChart:
    rng = np.random.default_rng(i)
    values = tuple(float(v) for v in rng.normal(0, 0.05, 8))
    labels = tuple(f"признак {k} = {rng.uniform(0, 30):.1f}" for k in range(8))
    texts = tuple(f"{v:+.2f}" for v in values)
    return ContributionChart("Почему «доброкачественная»", labels, values, texts, "повышает", "понижает")


def stats_chart(i: int, days: int = 30) -> Chart:
    rng = np.random.default_rng(i)
    labels = [f"{d % 28 + 1}.11" for d in range(days)]
    texts = DashboardTexts(
        "Статистика",
        "Прогнозы",
        "Кредиты",
        "Stars",
        "Пользователи",
        "списано",
        "возвращено",
        "выручка",
        "новые",
        "другие",
    )
    models = {
        name: rng.integers(0, 50, days).tolist()
        for name in ("iris_logreg", "cancer_rf", "wine_gb", "diabetes_rf")
    }
    return dashboard(
        texts,
        labels,
        models,
        rng.integers(0, 200, days).tolist(),
        rng.integers(0, 20, days).tolist(),
        rng.integers(0, 500, days).tolist(),
        rng.integers(0, 15, days).tolist(),
    )


def cold_and_cached(make: Callable[[int], Chart], count: int) -> tuple[float, float, int, float]:
    """CPU ms per cold image, images/s per core, PNG bytes, cached look-ups per second."""
    render(make(10**6))  # fonts and caches warm
    cpu = time.process_time()
    size = 0
    for i in range(count):
        size = len(render(make(i)))
    per_image = (time.process_time() - cpu) / count * 1000
    cache = RenderCache()
    chart = make(0)
    render_cached(chart, cache)
    lookups = max(1000, count * 100)
    started = time.perf_counter()
    for _ in range(lookups):
        render_cached(chart, cache)
    cached = lookups / (time.perf_counter() - started)
    if cache.misses != 1 or cache.hits != lookups:
        raise SystemExit(f"the cache rendered again: {cache.misses} misses")
    return per_image, 1000 / per_image, size, cached


async def through_pool(pool: Executor, charts: list[Chart]) -> tuple[float, list[float]]:
    """Wall seconds for all charts, and how late (ms) a 1 ms timer fired each time meanwhile."""
    loop = asyncio.get_running_loop()
    late: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(max(0.0, (time.perf_counter() - started) * 1000 - 1))

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    pngs = await asyncio.gather(*(loop.run_in_executor(pool, render, chart) for chart in charts))
    wall = time.perf_counter() - started
    done.set()
    await ticker
    if not all(png.startswith(b"\x89PNG") for png in pngs):
        raise SystemExit("a pool returned something that is not a PNG")
    return wall, late


def explanations(rows: int) -> list[str]:
    from ml.explain import Explainers, Explanation
    from ml.registry import ModelRegistry
    from ml.train import RECIPES, build_catalogue, read_built, read_catalogue

    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        models = Path(tmp)
        shutil.copy(REPO / "models_store" / "catalogue.toml", models / "catalogue.toml")
        build_catalogue(models)
        registry = ModelRegistry()
        for i, (meta, data) in enumerate(read_built(models, list(read_catalogue(models))).values(), start=1):
            registry.update({meta.name: (i, meta)})
            registry.load_bytes(meta.sha256, data)
        explainers = Explainers()
        for name in registry.metas():
            loaded = registry.load(name)
            X = np.asarray(RECIPES[name].load().data, dtype=np.float64)
            picked = X[np.linspace(0, len(X) - 1, rows + 1).astype(int)].tolist()
            started = time.perf_counter()
            first = explainers.explain(loaded, picked[0])
            first_ms = (time.perf_counter() - started) * 1000
            times = []
            for row in picked[1:]:
                started = time.perf_counter()
                result = explainers.explain(loaded, row)
                times.append((time.perf_counter() - started) * 1000)
                if not isinstance(result, Explanation):
                    raise SystemExit(f"{name}: not explained: {result}")
            if not isinstance(first, Explanation):
                raise SystemExit(f"{name}: not explained: {first}")
            lines.append(
                f"{name:14} {first.method:6} {first.space:11} first {first_ms:7.1f} ms · "
                f"then median {statistics.median(times):6.2f} ms · max {max(times):6.2f} ms"
            )
    return lines


def positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=positive, default=40, help="images per kind (cold)")
    parser.add_argument("--days", type=positive, default=30, help="days on the dashboard")
    parser.add_argument("--rows", type=positive, default=20, help="rows explained per model")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"charts and explanations · {os.cpu_count()} cores · load average {load:.1f}")
    print("kind                    cold CPU ms/image  images/s/core  PNG KB  cached look-ups/s")
    kinds: list[tuple[str, Callable[[int], Chart]]] = [
        ("result: probabilities", probability_chart),
        ("result: range", range_chart),
        ("explanation", contribution_chart),
        (f"dashboard, {args.days} days", lambda i: stats_chart(i, args.days)),
    ]
    for label, make in kinds:
        count = max(1, args.count // 4) if label.startswith("dashboard") else args.count
        per_image, per_second, size, cached = cold_and_cached(make, count)
        print(f"{label:24} {per_image:17.1f} {per_second:14.1f} {size / 1024:7.1f} {cached:18,.0f}")
    charts: list[Chart] = [probability_chart(i) for i in range(args.count)]
    print(f"{args.count} different result charts through a pool (a 1 ms timer on the event loop, how late):")
    for workers in (1, 2):
        pools: list[tuple[str, Callable[[int], Executor]]] = [
            ("threads", ThreadPoolExecutor),
            ("processes", ProcessPoolExecutor),
        ]
        for kind, make_pool in pools:
            with make_pool(workers) as pool:
                asyncio.run(through_pool(pool, charts[:workers]))  # workers started, fonts loaded
                wall, late = asyncio.run(through_pool(pool, charts))
            late.sort()
            p50, p99 = late[len(late) // 2], late[min(len(late) - 1, len(late) * 99 // 100)]
            print(
                f"  {workers} {kind:10} {wall:6.2f} s · {len(charts) / wall:6.1f} images/s · "
                f"timer late p50 {p50:5.1f} ms · p99 {p99:5.1f} ms · max {late[-1]:5.1f} ms"
            )
    print(f"explanations ({args.rows} rows per model after the first):")
    for line in explanations(args.rows):
        print("  " + line)
    print("check: every chart a PNG, every cached chart served without rendering, every model explained")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
