"""What every chart shares: the font, the sizes in pixels, the colours, and texts measured and cut
to fit. Both renderers use it: bot/charts.py (matplotlib: explanations and the dashboard) and
bot/result_charts.py (Pillow: the picture with each result); both draw matplotlib's DejaVu Sans.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.font_manager import FontProperties, findfont, get_font

FONT = "DejaVu Sans"  # ships with matplotlib; Latin, Cyrillic, Greek
DPI = 100
WIDTH_PX = 640  # a result or an explanation; Telegram shows photos up to about this wide
STATS_WIDTH_PX = 800
ROW_PX = 34  # one bar
BAR_GAP_PX = 6
TITLE_PX = 40
FOOT_PX = 30  # a legend or an axis label
PAD_PX = 12
VALUE_PX = 64  # room for a value text beside a bar
MAX_LABEL_PX = 260  # a longer label is cut with "…"
MAX_BARS = 12  # bars in a result or contributions chart
MAX_SERIES = 7  # models in the dashboard's first panel; the rest are summed as "other"
MAX_DAYS = 366
# Okabe & Ito's palette, told apart with every common colour-vision deficiency.
BLUE, VERMILLION, ORANGE, SKY, GREEN, YELLOW, PURPLE, GREY = (
    "#0072B2",
    "#D55E00",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#CC79A7",
    "#999999",
)
SERIES_COLOURS = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, GREY)
MUTED = "#B0B0B0"
TRACK = "#F0F0F0"  # the full length of a probability bar
INK = "#222222"
GREY_TEXT = "#555555"
HATCH = "///"


_ADVANCES: dict[tuple[str, float, bool], float] = {}  # (letter, size, bold) -> pixels


def text_px(text: str, size: float = 10, bold: bool = False) -> float:
    """The width of `text` in pixels as drawn here (the sum of its letters' advances, kerning
    aside: a pixel or two wide of the truth). Letters are measured once each."""
    total = 0.0
    for letter in text:
        key = (letter, size, bold)
        width = _ADVANCES.get(key)
        if width is None:
            font = get_font(findfont(FontProperties(family=FONT, weight="bold" if bold else "normal")))
            font.set_size(size, DPI)  # get_font gives each thread its own font object
            if font.get_char_index(ord(letter)):
                width = font.load_char(ord(letter)).linearHoriAdvance / 65536
            else:  # not in the font: drawn as a box about this wide (and matplotlib warns)
                width = size * DPI / 72 * 0.6
            _ADVANCES[key] = width
        total += width
    return total


def fit(text: str, px: float, size: float = 10, bold: bool = False) -> str:
    """`text` cut with "…" to at most `px` pixels wide."""
    text = " ".join(text.split())
    if text_px(text, size, bold) <= px:
        return text
    while text and text_px(text + "…", size, bold) > px:
        text = text[:-1]
    return text.rstrip() + "…"


def label_column(labels: Sequence[str], bold: Sequence[bool]) -> tuple[float, list[str]]:
    """Where the bars start, and the labels cut to fit before it."""
    fitted = [fit(s, MAX_LABEL_PX, bold=b) for s, b in zip(labels, bold, strict=True)]
    widest = max(text_px(s, bold=b) for s, b in zip(fitted, bold, strict=True))
    return PAD_PX + widest + 10, fitted
