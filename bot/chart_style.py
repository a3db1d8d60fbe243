"""What every chart shares: the font, the sizes in pixels and the colours. Both renderers use it:
bot/charts.py (matplotlib: explanations and the dashboard) and bot/result_charts.py (Pillow: the
picture with each result)."""

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
