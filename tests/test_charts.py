"""Charts: PNGs Telegram takes as photos, Cyrillic drawn, cached by content, rendered off the loop
and never failing a caller."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from PIL import Image

from bot import charts
from bot.charts import (
    ChartRenderer,
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
TEXTS_RU = DashboardTexts(
    "Статистика за 30 дней",
    "Прогнозы по моделям",
    "Кредиты",
    "Stars",
    "Пользователи",
    "списано",
    "возвращено",
    "выручка",
    "новые",
    "другие",
)


def probability(**changes: Any) -> ProbabilityChart:
    base: dict[str, Any] = {
        "title": "Вид ириса",
        "labels": ("сетоза", "разноцветный", "виргинский"),
        "probabilities": (0.02, 0.843, 0.137),
        "predicted": 1,
        "value_texts": ("2%", "84%", "14%"),
        "axis_label": "Вероятность",
    }
    return ProbabilityChart(**(base | changes))


def contributions(**changes: Any) -> ContributionChart:
    base: dict[str, Any] = {
        "title": "Почему «доброкачественная»",
        "labels": ("наибольший радиус = 25,4", "вогнутость = 0,1", "площадь = 686,5"),
        "contributions": (0.12, -0.08, 0.05),
        "value_texts": ("+0,12", "−0,08", "+0,05"),
        "up_label": "повышает вероятность",
        "down_label": "понижает",
    }
    return ContributionChart(**(base | changes))


def regression() -> RangeChart:
    return RangeChart(
        "Прогрессирование диабета", 116.1, 25, 346, 43, "116", "25", "346", "обычная ошибка ±43", "через год"
    )


def stats(days: int = 30, models: int = 3) -> charts.StatsChart:
    labels = [f"{d % 28 + 1}.11" for d in range(days)]
    per_model = {f"model_{m}": [(d * (m + 3)) % 17 for d in range(days)] for m in range(models)}
    return dashboard(
        TEXTS_RU,
        labels,
        per_model,
        [d * 3 % 50 for d in range(days)],
        [d % 4 for d in range(days)],
        [d * 7 % 90 for d in range(days)],
        [d % 6 for d in range(days)],
    )


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


def assert_telegram_photo(png: bytes) -> Image.Image:
    """sendPhoto: at most 10 MB, width + height at most 10,000, ratio at most 20; ours ≤ 100 KB."""
    picture = image(png)
    width, height = picture.size
    assert len(png) <= 100 * 1024
    assert width + height <= 10_000 and max(width, height) / min(width, height) <= 20
    return picture


def colours(picture: Image.Image) -> set[str]:
    found = picture.convert("RGB").getcolors(maxcolors=1 << 20) or []
    return {"#{:02X}{:02X}{:02X}".format(*rgb) for _, rgb in found if isinstance(rgb, tuple)}


def test_the_backend_is_agg() -> None:
    assert matplotlib.get_backend().lower() == "agg"


def test_every_kind_renders_a_photo_telegram_takes() -> None:
    for chart in (probability(), contributions(), regression(), stats(), stats(days=366, models=20)):
        assert_telegram_photo(render(chart))


def test_the_predicted_class_is_highlighted_and_contributions_are_coloured_by_sign() -> None:
    assert charts.BLUE in colours(image(render(probability())))
    signed = colours(image(render(contributions())))
    assert {charts.VERMILLION, charts.BLUE} <= signed
    only_up = colours(image(render(contributions(contributions=(0.3, 0.2, 0.1)))))
    assert charts.VERMILLION in only_up and charts.BLUE not in only_up


def test_many_classes_long_labels_and_extremes_stay_within_bounds() -> None:
    many = probability(
        labels=tuple(f"класс с очень длинным названием номер {i}" * 3 for i in range(60)),
        probabilities=tuple(1 / 60 for _ in range(60)),
        predicted=59,
        value_texts=tuple("2%" for _ in range(60)),
        title="Очень длинный заголовок " * 10,
    )
    small = assert_telegram_photo(render(probability()))
    large = assert_telegram_photo(render(many))
    assert large.size[0] == small.size[0]
    assert large.size[1] <= small.size[1] + charts.ROW_PX * (charts.MAX_BARS - 3) + 1
    assert_telegram_photo(render(contributions(contributions=(0.0, 0.0, 0.0))))
    outside = RangeChart("", 500.0, 25, 346, 43, "500", "25", "346")  # past the observed range
    assert_telegram_photo(render(outside))


def test_cyrillic_draws_without_missing_glyphs() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for chart in (probability(), contributions(), regression(), stats()):
            render(chart)
    assert not [w for w in caught if "missing from" in str(w.message)], [str(w.message) for w in caught]
    # and the check does see a glyph the font lacks
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render(probability(title="漢字"))
    assert any("missing from" in str(w.message) for w in caught)


def test_same_chart_same_bytes_other_chart_other_bytes() -> None:
    assert render(probability()) == render(probability())
    assert render(probability()) != render(probability(predicted=2))
    # lists are accepted and hash like tuples
    as_lists = ProbabilityChart("Вид ириса", ["a", "b"], [0.25, 0.75], 1)  # type: ignore[arg-type]
    assert hash(as_lists) == hash(ProbabilityChart("Вид ириса", ("a", "b"), (0.25, 0.75), 1))


def test_results_that_look_alike_are_one_chart() -> None:
    """Whole percents on the bars, a thousandth of the range on the line: the cache's key."""
    assert ProbabilityChart("", ("a", "b"), (0.2549, 0.7451), 1) == ProbabilityChart(
        "", ("a", "b"), (0.25, 0.75), 1
    )
    assert ProbabilityChart("", ("a", "b"), (0.24, 0.76), 1) != ProbabilityChart(
        "", ("a", "b"), (0.25, 0.75), 1
    )
    near = RangeChart("", 116.12, 25, 346, 43.01, "116", "25", "346")
    assert near == RangeChart("", 116.1, 25, 346, 43, "116", "25", "346")
    assert near != RangeChart("", 117.0, 25, 346, 43, "116", "25", "346")
    assert render(near) == render(RangeChart("", 116.1, 25, 346, 43, "116", "25", "346"))


def test_bad_data_is_a_value_error() -> None:
    for chart in (
        probability(predicted=3),
        probability(value_texts=("1%",)),
        contributions(contributions=(0.1,)),
        RangeChart("", 1, 5, 5, 1, "1", "5", "5"),
        charts.StatsChart("", (), ()),
    ):
        with pytest.raises(ValueError):
            render(chart)


def test_the_dashboard_sums_models_beyond_the_legend_into_other() -> None:
    chart = stats(days=5, models=charts.MAX_SERIES + 3)
    by_model = chart.panels[0].series
    assert len(by_model) == charts.MAX_SERIES + 1 and by_model[-1].label == "другие"
    totals = [sum(s.values[d] for s in by_model) for d in range(5)]
    expected = [sum(((d * (m + 3)) % 17) for m in range(charts.MAX_SERIES + 3)) for d in range(5)]
    assert totals == expected


def test_cached_charts_are_not_rendered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[object] = []
    real = charts.render

    def counting(chart: Any) -> bytes:
        drawn.append(chart)
        return real(chart)

    monkeypatch.setattr(charts, "render", counting)
    cache = RenderCache()
    first = render_cached(probability(), cache)
    assert render_cached(probability(), cache) is first
    assert render_cached(probability(predicted=0), cache) != first
    assert len(drawn) == 2 and (cache.hits, cache.misses) == (1, 2)


def test_the_cache_keeps_within_its_bounds() -> None:
    cache = RenderCache(max_items=3, max_bytes=25)
    for i in range(5):
        cache.put(probability(title=str(i)), b"x" * 10)
    assert len(cache) == 2  # 25 bytes hold two
    assert cache.get(probability(title="4")) == b"x" * 10
    assert cache.get(probability(title="0")) is None


def test_threads_render_side_by_side_the_same_bytes() -> None:
    kinds: list[charts.Chart] = [probability(), contributions(), regression(), stats()]
    expected = [render(chart) for chart in kinds]
    got: dict[int, list[bytes]] = {}

    def work(n: int) -> None:
        got[n] = [render(chart) for chart in kinds[n:] + kinds[:n]]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for n in range(4):
        assert got[n] == expected[n:] + expected[:n]


async def test_the_renderer_gives_bytes_and_serves_the_cache() -> None:
    renderer = ChartRenderer()
    try:
        png = await renderer.render(probability())
        assert png == render(probability())
        assert await renderer.render(probability()) is png
    finally:
        renderer.shutdown()


async def test_a_failing_chart_gives_none_and_no_exception(caplog: pytest.LogCaptureFixture) -> None:
    def broken(chart: Any) -> bytes:
        raise RuntimeError("the font file is gone")

    renderer = ChartRenderer(draw=broken)
    plain = ChartRenderer()
    try:
        assert await renderer.render(probability()) is None
        assert await plain.render(probability(predicted=7)) is None  # bad data: ValueError inside
        assert await plain.render("not a chart") is None  # type: ignore[arg-type]
    finally:
        renderer.shutdown()
        plain.shutdown()
    assert "the font file is gone" in caplog.text
    assert len(renderer.cache) == 0


async def test_a_chart_past_its_timeout_gives_none() -> None:
    release = threading.Event()

    def stuck(chart: Any) -> bytes:
        release.wait(30)
        return b"late"

    renderer = ChartRenderer(draw=stuck, timeout=0.05)
    try:
        assert await renderer.render(probability()) is None
    finally:
        release.set()
        renderer.shutdown()


async def test_identical_charts_asked_at_once_render_once() -> None:
    calls: list[object] = []
    lock = threading.Lock()

    def counting(chart: Any) -> bytes:
        with lock:
            calls.append(chart)
        return render(chart)

    renderer = ChartRenderer(draw=counting, workers=2)
    try:
        pngs = await asyncio.gather(*(renderer.render(probability()) for _ in range(20)))
    finally:
        renderer.shutdown()
    assert len(calls) == 1 and len(set(pngs)) == 1 and pngs[0] is not None


def test_the_chart_benchmark_runs_and_checks_itself() -> None:
    """Its speed is not tested here; that it still runs end to end is."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_charts", "--count", "2", "--days", "3", "--rows", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for line in ("result: probabilities", "explanation", "dashboard, 3 days", "1 threads", "2 processes"):
        assert line in done.stdout
    for model in ("iris_logreg", "cancer_rf", "wine_gb", "diabetes_rf"):
        assert model in done.stdout
    assert (
        "check: every chart a PNG, every cached chart served without rendering, every model explained"
        in done.stdout
    )
    refused = subprocess.run(
        [sys.executable, "-m", "bench.bench_charts", "--count", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2 and "must be at least 1" in refused.stderr
