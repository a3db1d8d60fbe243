"""The README's pictures, drawn by the bot's own code: a result, its "Why?" and the dashboard.

    python -m bench.docs_screenshots [--out docs] [--lang en]

The result and the explanation are those of a real run of the built-in iris model (built into a
temporary directory, explained by ml/explain.py), their words from the bot's texts in `--lang`;
the dashboard is 30 days of made-up figures. Writes docs/result.png, docs/why.png and
docs/stats.png, and prints each file's size.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bot.charts import render
from bot.i18n import I18n
from bot.pictures import result_chart, stats_chart, why_chart, why_sentence
from db.reports import DailySeries
from ml.executor import predict_rows
from ml.explain import Explainers, Explanation
from ml.inputs import encode, parse_all
from ml.registry import ModelRegistry
from ml.train import build_catalogue, read_built

REPO = Path(__file__).resolve().parent.parent
MODEL = "iris_logreg"
VALUES = "6.3 2.9 5.6 1.8"  # a virginica: a result worth explaining


def fake_series(days: int = 30) -> DailySeries:
    """A month that looks like a month: weekly swings, a growing model, a few refunds."""
    first = date(2026, 10, 28)
    shown = [first + timedelta(days=i) for i in range(days)]
    weekly = [1 + 0.3 * math.sin(i * 2 * math.pi / 7) for i in range(days)]
    predictions = {
        "iris_logreg": [round(40 * w) for w in weekly],
        "cancer_rf": [round((10 + i) * w) for i, w in enumerate(weekly)],
        "wine_gb": [round(15 * w) for w in weekly],
        "diabetes_rf": [round(8 * w) + i % 3 for i, w in enumerate(weekly)],
    }
    spent = [Decimal(sum(v[i] for v in predictions.values()) * 2) for i in range(days)]
    refunded = [Decimal(18 if i % 6 == 0 else 4 if i % 4 == 0 else 0) for i in range(days)]
    stars = [round(120 * w) if i % 2 else round(60 * w) for i, w in enumerate(weekly)]
    new_users = [round(6 * w) + i // 10 for i, w in enumerate(weekly)]
    return DailySeries(shown, predictions, spent, refunded, stars, new_users)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args(argv)
    t = I18n().translator(args.lang)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docs-shots-") as tmp:
        models = Path(tmp)
        shutil.copy(REPO / "models_store" / "catalogue.toml", models / "catalogue.toml")
        build_catalogue(models, [MODEL])
        meta, data = read_built(models, [MODEL])[MODEL]
        registry = ModelRegistry()
        registry.update({MODEL: (1, meta)})
        registry.load_bytes(meta.sha256, data)
        loaded = registry.load(MODEL)
        row = encode(meta.features, parse_all(meta.features, VALUES))
        result = predict_rows(loaded, [row])[0]
        explanation = Explainers().explain(loaded, row, result["class_index"])
    if not isinstance(explanation, Explanation):
        raise SystemExit(f"{MODEL} not explained: {explanation}")
    chart = result_chart(t, meta, result)
    assert chart is not None
    pictures = {
        "result.png": render(chart),
        "why.png": render(why_chart(t, meta, explanation)),
        "stats.png": render(stats_chart(t, fake_series(), t("adm_stats_days", days=30))),
    }
    for name, png in pictures.items():
        (args.out / name).write_bytes(png)
        print(f"{args.out / name}: {len(png) / 1024:.0f} KB")
    print("Why? says:", why_sentence(t, meta, explanation))


if __name__ == "__main__":
    main()
