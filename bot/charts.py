"""Charts as PNG bytes: a result, its explanation ("Why?"), the admin dashboard.

Pure: a chart is a frozen dataclass of numbers and texts (every word already translated by the
caller, numbers on bars already formatted for its language) and `render(chart)` turns it into
PNG bytes. Identical charts give identical bytes, rendered once: the dataclass itself is the key
of a small LRU cache (`RenderCache`).

Two renderers, one look (bot/chart_style.py): a result's chart, drawn for every paid run, is
painted with Pillow into a palette image (bot/result_charts.py); an explanation and the
dashboard, drawn on demand, through matplotlib here. Thread-safe: each call builds its own
`Figure` on its own Agg canvas (the object-oriented API); nothing goes through pyplot's global
state. The Agg backend is set explicitly: no display is ever opened. Text is drawn in DejaVu
Sans, which ships with matplotlib and has Cyrillic.

Images stay small (about 600-800 px wide at 100 dpi, a few KB to tens of KB) and valid for
sendPhoto (width + height ≤ 10,000, ratio ≤ 20): bars are capped (`MAX_BARS`, `MAX_SERIES`) and
long labels cut.

`ChartRenderer.render` is the async entry: off the event loop in a thread pool, with a timeout,
and None on any failure (the caller then sends the text result only).

Cost (bench/bench_charts.py, CPU per image): a result about 1 ms (through matplotlib it was
14-18 ms), an explanation ~45 ms, a 30-day dashboard ~170 ms; drawing the text's glyphs is most
of matplotlib's time. The cache does the rest: results that look alike are one chart (whole
percents, a thousandth of the range), and identical charts asked at once render once.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: never a display

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from bot import result_charts
from bot.chart_style import (
    BAR_GAP_PX,
    BLUE,
    DPI,
    FONT,
    FOOT_PX,
    GREY_TEXT,
    HATCH,
    INK,
    MAX_BARS,
    MAX_DAYS,
    MAX_SERIES,
    PAD_PX,
    ROW_PX,
    SERIES_COLOURS,
    STATS_WIDTH_PX,
    TITLE_PX,
    VALUE_PX,
    VERMILLION,
    WIDTH_PX,
    fit,
    label_column,
    text_px,
)

log = logging.getLogger(__name__)

COMPRESS_LEVEL = 6  # zlib: levels 1 to 6 cost the same here (text drawing is what costs)
PNG_METADATA = {"Software": None}  # no "matplotlib version …" chunk: smaller, same across upgrades


# -- what a chart is: data and texts, hashable ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProbabilityChart:
    """A classifier's result: one horizontal bar per class, the predicted one highlighted."""

    title: str
    labels: tuple[str, ...]  # class labels, translated
    probabilities: tuple[float, ...]  # 0..1, one per label
    predicted: int  # index into labels
    value_texts: tuple[str, ...] = ()  # "84%" per bar, formatted by the caller (or none)
    axis_label: str = ""  # e.g. "Probability"

    def __post_init__(self) -> None:
        # whole percents (2 px on the bar at most): results that look alike share one image, so a
        # two-class model has at most 101 pictures per language; pass whole percents as texts too
        # (the caption carries the exact figure)
        _tuples(self, "labels", "value_texts")
        object.__setattr__(self, "probabilities", tuple(round(float(p), 2) for p in self.probabilities))


@dataclass(frozen=True, slots=True)
class RangeChart:
    """A regressor's result: the value on the target's observed range, with its typical error."""

    title: str
    value: float
    low: float  # the observed range of the target
    high: float
    error: float  # typical error (e.g. the test MAE): a band value ± error
    value_text: str  # "116", formatted by the caller
    low_text: str  # "25"
    high_text: str  # "346"
    band_label: str = ""  # "typical error ±43"
    axis_label: str = ""  # what the value is

    def __post_init__(self) -> None:
        # the value and the error to a thousandth of the range (under a pixel): at most a
        # thousand pictures per model and language, however many results
        low, high = float(self.low), float(self.high)
        if high > low:
            step = (high - low) / 1000
            object.__setattr__(self, "value", low + round((float(self.value) - low) / step) * step)
            object.__setattr__(self, "error", round(float(self.error) / step) * step)


@dataclass(frozen=True, slots=True)
class ContributionChart:
    """Why: signed horizontal bars, largest first; positive pushes the output up."""

    title: str
    labels: tuple[str, ...]  # input labels, e.g. "worst radius = 25.4"
    contributions: tuple[float, ...]
    value_texts: tuple[str, ...] = ()  # "+0.07" per bar (or none)
    up_label: str = ""  # legend: "raises the chance of benign"
    down_label: str = ""  # legend: "lowers it"
    axis_label: str = ""

    def __post_init__(self) -> None:
        _tuples(self, "labels", "value_texts")
        object.__setattr__(self, "contributions", tuple(float(c) for c in self.contributions))


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: tuple[float, ...]  # one per day

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    series: tuple[Series, ...]
    stacked: bool = True  # stacked bars; False: side by side

    def __post_init__(self) -> None:
        _tuples(self, "series")


@dataclass(frozen=True, slots=True)
class StatsChart:
    """The admin dashboard: panels of per-day series over the same days."""

    title: str
    days: tuple[str, ...]  # x labels, one per day, formatted by the caller ("26.11", "Nov 26")
    panels: tuple[Panel, ...]

    def __post_init__(self) -> None:
        _tuples(self, "days", "panels")


def _tuples(chart: object, *fields: str) -> None:
    """Lists given for tuples become tuples: a chart is hashed as the key of its image."""
    for field in fields:
        object.__setattr__(chart, field, tuple(getattr(chart, field)))


Chart = ProbabilityChart | RangeChart | ContributionChart | StatsChart


@dataclass(frozen=True, slots=True)
class DashboardTexts:
    title: str
    predictions: str  # panel titles
    credits: str
    stars: str
    users: str
    spent: str  # series labels
    refunded: str
    revenue: str
    new_users: str
    other: str  # the models beyond MAX_SERIES, summed


def dashboard(
    texts: DashboardTexts,
    days: Sequence[str],
    predictions: Mapping[str, Sequence[int]],
    spent: Sequence[float],
    refunded: Sequence[float],
    stars: Sequence[int],
    new_users: Sequence[int],
) -> StatsChart:
    """The /stats chart: predictions per day by model (stacked; the models with most predictions
    first, beyond MAX_SERIES summed as `texts.other`), credits spent and refunded, Stars revenue
    and new users."""
    ranked = sorted(predictions.items(), key=lambda item: (-sum(item[1]), item[0]))
    models = [Series(name, tuple(float(v) for v in values)) for name, values in ranked[:MAX_SERIES]]
    rest = ranked[MAX_SERIES:]
    if rest:
        summed = tuple(float(sum(values[i] for _, values in rest)) for i in range(len(days)))
        models.append(Series(texts.other, summed))
    return StatsChart(
        title=texts.title,
        days=tuple(days),
        panels=(
            Panel(texts.predictions, tuple(models)),
            Panel(
                texts.credits,
                (
                    Series(texts.spent, tuple(float(v) for v in spent)),
                    Series(texts.refunded, tuple(float(v) for v in refunded)),
                ),
                stacked=False,
            ),
            Panel(texts.stars, (Series(texts.revenue, tuple(float(v) for v in stars)),)),
            Panel(texts.users, (Series(texts.new_users, tuple(float(v) for v in new_users)),)),
        ),
    )


# -- rendering ---------------------------------------------------------------------------------------
def render(chart: Chart) -> bytes:
    """The chart as PNG bytes (blocking; thread-safe). ValueError if its data do not fit together."""
    if isinstance(chart, ProbabilityChart):
        return result_charts.probabilities(chart)
    if isinstance(chart, RangeChart):
        return result_charts.value_on_range(chart)
    if isinstance(chart, ContributionChart):
        fig = _contributions(chart)
    elif isinstance(chart, StatsChart):
        fig = _stats(chart)
    else:
        raise TypeError(f"not a chart: {type(chart).__name__}")
    out = io.BytesIO()
    FigureCanvasAgg(fig).print_png(out, metadata=PNG_METADATA, pil_kwargs={"compress_level": COMPRESS_LEVEL})
    return out.getvalue()


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Sheet:
    """A figure drawn in pixels from the top left, with figure-level artists only. The
    contributions chart has no Axes: an Axes' ticks, spines and layout cost about half of a
    chart's time, and it needs none of them."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)

    def rect(self, x: float, y: float, w: float, h: float, colour: str, hatch: str | None = None) -> None:
        if w < 0:
            x, w = x + w, -w
        self.fig.patches.append(
            Rectangle(
                (x / self.width, 1 - (y + h) / self.height),
                w / self.width,
                h / self.height,
                transform=self.fig.transFigure,
                figure=self.fig,
                facecolor=colour,
                edgecolor="white" if hatch else "none",
                linewidth=0,
                hatch=hatch,
            )
        )

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: str, width: float = 1.0) -> None:
        self.fig.lines.append(
            Line2D(
                [x0 / self.width, x1 / self.width],
                [1 - y0 / self.height, 1 - y1 / self.height],
                transform=self.fig.transFigure,
                figure=self.fig,
                color=colour,
                linewidth=width,
                solid_capstyle="butt",
            )
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        ha: str = "left",
        size: float = 10,
        bold: bool = False,
        colour: str = INK,
        va: str = "center",
    ) -> None:
        self.fig.text(
            x / self.width,
            1 - y / self.height,
            text,
            ha=ha,
            va=va,
            fontsize=size,
            fontweight="bold" if bold else "normal",
            color=colour,
            fontfamily=FONT,
        )


def _legend(sheet: _Sheet, x: float, y: float, entries: Sequence[tuple[str, str, str | None]]) -> None:
    for colour, text, hatch in entries:
        sheet.rect(x, y - 6, 16, 12, colour, hatch)
        sheet.text(x + 22, y, text, size=9)
        x += 22 + text_px(text, 9) + 20


def _contributions(chart: ContributionChart) -> Figure:
    n = len(chart.labels)
    if n < 1 or len(chart.contributions) != n:
        raise ValueError("one contribution per label")
    if chart.value_texts and len(chart.value_texts) != n:
        raise ValueError("one value text per bar")
    order = sorted(range(n), key=lambda i: (-abs(chart.contributions[i]), i))[:MAX_BARS]
    left, labels = label_column([chart.labels[i] for i in order], [False] * len(order))
    shown = [float(chart.contributions[i]) for i in order]
    legend: list[tuple[str, str, str | None]] = []  # the directions that have a bar
    if chart.up_label and any(v > 0 for v in shown):
        legend.append((VERMILLION, fit(chart.up_label, 240, 9), None))
    if chart.down_label and any(v <= 0 for v in shown):
        legend.append((BLUE, fit(chart.down_label, 240, 9), HATCH))
    top = TITLE_PX if chart.title else PAD_PX
    bottom = (FOOT_PX if legend else 0) + (FOOT_PX if chart.axis_label else 0) or PAD_PX
    sheet = _Sheet(WIDTH_PX, top + ROW_PX * len(order) + bottom)
    if chart.title:
        sheet.text(
            PAD_PX, TITLE_PX / 2, fit(chart.title, WIDTH_PX - 2 * PAD_PX, 12, True), size=12, bold=True
        )
    half = (WIDTH_PX - left - PAD_PX - 2 * VALUE_PX) / 2
    zero = left + VALUE_PX + half
    reach = max((abs(float(chart.contributions[i])) for i in order), default=0.0) or 1.0
    for row, (i, label) in enumerate(zip(order, labels, strict=True)):
        y = top + ROW_PX * row
        mid = y + ROW_PX / 2
        v = float(chart.contributions[i])
        length = half * v / reach
        # hatching as well as colour: up and down stay apart in grey print and for any colour vision
        sheet.rect(
            zero,
            y + BAR_GAP_PX,
            length,
            ROW_PX - 2 * BAR_GAP_PX,
            VERMILLION if v > 0 else BLUE,
            None if v > 0 else HATCH,
        )
        sheet.text(left - 8, mid, label, ha="right")
        if chart.value_texts:
            ha = "left" if v >= 0 else "right"
            sheet.text(zero + length + (6 if v >= 0 else -6), mid, chart.value_texts[i], ha=ha, size=9)
    sheet.line(zero, top, zero, top + ROW_PX * len(order), INK, 1)
    foot = top + ROW_PX * len(order)
    if legend:
        _legend(sheet, left, foot + FOOT_PX / 2, legend)
        foot += FOOT_PX
    if chart.axis_label:
        sheet.text(
            zero,
            foot + FOOT_PX / 2,
            fit(chart.axis_label, WIDTH_PX - 2 * PAD_PX, 9),
            ha="center",
            size=9,
            colour=GREY_TEXT,
        )
    return sheet.fig


def _stats(chart: StatsChart) -> Figure:
    days = len(chart.days)
    if not 1 <= days <= MAX_DAYS or not 1 <= len(chart.panels) <= 6:
        raise ValueError("1 to 366 days and 1 to 6 panels")
    for panel in chart.panels:
        if len(panel.series) > MAX_SERIES + 1 or any(len(s.values) != days for s in panel.series):
            raise ValueError("each series has one value per day, and a panel at most 8 series")
    panel_px = 190
    height = TITLE_PX + panel_px * len(chart.panels) + 30
    fig = Figure(figsize=(STATS_WIDTH_PX / DPI, height / DPI), dpi=DPI)
    fig.subplots_adjust(
        left=56 / STATS_WIDTH_PX,
        right=1 - PAD_PX / STATS_WIDTH_PX,
        top=1 - (TITLE_PX + 28) / height,
        bottom=30 / height,
        hspace=48 / (panel_px - 48),
    )
    axes = fig.subplots(len(chart.panels), 1, sharex=True, squeeze=False)[:, 0]
    xs = np.arange(days, dtype=np.float64)
    width = 0.8
    for ax, panel in zip(axes, chart.panels, strict=True):
        peak = 0.0
        bottom = np.zeros(days)
        count = len(panel.series)
        for k, (colour, series) in enumerate(zip(SERIES_COLOURS, panel.series, strict=False)):
            heights = np.maximum(np.asarray(series.values, dtype=np.float64), 0.0)
            if panel.stacked:
                _bars(ax, xs - width / 2, width, bottom, heights, colour)
                bottom = bottom + heights
                peak = max(peak, float(bottom.max()))
            else:
                w = width / count
                _bars(ax, xs - width / 2 + k * w, w, np.zeros(days), heights, colour)
                peak = max(peak, float(heights.max()))
        ax.set_xlim(-0.6, days - 0.4)
        ax.set_ylim(0, peak * 1.08 if peak > 0 else 1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.tick_params(axis="both", labelsize=8, length=3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_title(
            _cut(panel.title, 40), loc="left", fontsize=10, fontweight="bold", fontfamily=FONT, pad=6
        )
        if count > 1:  # the legend beside the title, above the bars (never over them)
            handles = [
                Rectangle((0, 0), 1, 1, facecolor=colour, label=_cut(series.label, 20))
                for colour, series in zip(SERIES_COLOURS, panel.series, strict=False)
            ]
            ax.legend(
                handles=handles,
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                ncols=min(count, 4),
                frameon=False,
                borderaxespad=0.1,
                handlelength=1.2,
                columnspacing=1.0,
                prop={"family": FONT, "size": 8},
            )
    step = max(1, -(-days // 10))  # at most about ten day labels
    ticks = list(range(0, days, step))
    axes[-1].set_xticks(ticks, [_cut(chart.days[i], 10) for i in ticks], fontfamily=FONT)
    fig.text(
        PAD_PX / STATS_WIDTH_PX,
        1 - TITLE_PX / 2 / height,
        _cut(chart.title, 70),
        fontsize=12,
        fontweight="bold",
        fontfamily=FONT,
        va="center",
    )
    return fig


def _bars(
    ax: Any, lefts: np.ndarray, width: float, bottoms: np.ndarray, heights: np.ndarray, colour: str
) -> None:
    """Bars as one collection of polygons: ax.bar makes a Patch per bar (a 90-day, four-panel
    dashboard took ~4 times as long)."""
    rights = lefts + width
    tops = bottoms + heights
    corners = np.stack(
        [np.c_[lefts, bottoms], np.c_[rights, bottoms], np.c_[rights, tops], np.c_[lefts, tops]], axis=1
    )
    ax.add_collection(PolyCollection(list(corners), facecolors=colour, linewidths=0), autolim=False)


# -- the cache and the async entry -----------------------------------------------------------------
class RenderCache:
    """PNG bytes by chart (its content is the key), least recently used out past `max_bytes` or
    `max_items`. Thread-safe."""

    def __init__(self, max_items: int = 256, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Chart, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, chart: Chart) -> bytes | None:
        with self._lock:
            found = self._items.get(chart)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(chart)
            return found

    def put(self, chart: Chart, png: bytes) -> None:
        with self._lock:
            old = self._items.pop(chart, None)
            if old is not None:
                self._size -= len(old)
            self._items[chart] = png
            self._size += len(png)
            while self._items and (len(self._items) > self.max_items or self._size > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def render_cached(chart: Chart, cache: RenderCache) -> bytes:
    """`render`, once per distinct chart (blocking)."""
    found = cache.get(chart)
    if found is not None:
        return found
    png = render(chart)
    cache.put(chart, png)
    return png


class ChartRenderer:
    """Renders charts off the event loop, with a timeout and the cache; None on any failure
    (logged), so a result is never lost to its picture. The same chart asked for again while it
    is being rendered waits for that rendering (a burst of identical results renders once).

    A thread pool unless given another executor: bench/bench_charts.py measured one or two
    threads against as many processes within about 15% of each other in images per second, and
    alike in how late the event loop's timers fire meanwhile (p99 about 11-20 ms either way on the
    loaded 2-core host), while a process costs a second copy of matplotlib (~65 MB) and a start-up.
    A ProcessPoolExecutor can still be passed (`pool=`) with the default `draw`."""

    def __init__(
        self,
        workers: int = 1,
        timeout: float = 10.0,
        cache: RenderCache | None = None,
        draw: Callable[[Chart], bytes] = render,
        pool: Executor | None = None,
    ) -> None:
        self.timeout = timeout
        self.cache = cache if cache is not None else RenderCache()
        self._draw = draw
        self._pool = pool or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="charts")
        self._rendering: dict[Chart, asyncio.Future[bytes]] = {}
        self.drawn = 0  # charts drawn (not found in the cache, not joined to one being drawn)

    async def render(self, chart: Chart) -> bytes | None:
        """The chart's PNG, or None if it could not be had within `timeout` (never raises)."""
        try:
            found = self.cache.get(chart)
            if found is not None:
                return found
            async with asyncio.timeout(self.timeout):
                return await asyncio.shield(self._start(chart))
        except TimeoutError:
            log.warning("chart %s not rendered within %gs", type(chart).__name__, self.timeout)
        except Exception as exc:  # a picture is never worth a lost result
            log.warning("chart %s not rendered: %s: %s", type(chart).__name__, type(exc).__name__, exc)
        return None

    def _start(self, chart: Chart) -> asyncio.Future[bytes]:
        running = self._rendering.get(chart)
        if running is None:
            loop = asyncio.get_running_loop()
            self.drawn += 1
            running = self._rendering[chart] = asyncio.ensure_future(
                loop.run_in_executor(self._pool, self._draw, chart)
            )
            running.add_done_callback(functools.partial(self._done, chart))
        return running

    def _done(self, chart: Chart, future: asyncio.Future[bytes]) -> None:
        self._rendering.pop(chart, None)
        if not future.cancelled() and future.exception() is None:
            self.cache.put(chart, future.result())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
