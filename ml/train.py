"""Build the built-in model catalogue from datasets that scikit-learn ships.

    python -m ml.train [--models-dir models_store] [--only NAME ...] [--force]

Each model is trained on 75% of its dataset; the held-out 25% gives the metrics recorded in its
metadata (accuracy for classifiers, R² and MAE for the regressor). The words people read (titles,
labels, in English and Russian) are in ml/builtin_texts.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ml import formats
from ml.builtin_texts import apply_words
from ml.registry import META_SUFFIX
from ml.schema import Feature, ModelMeta

log = logging.getLogger(__name__)
SEED = 42
CATALOGUE_FILE = "catalogue.toml"


@dataclass(frozen=True)
class Recipe:
    title: str
    description: str
    algorithm: str
    dataset: str
    load: Callable[[], Any]
    estimator: Callable[[], Any]
    task: str = "classification"
    descriptions: dict[str, str] | None = None
    categories: dict[str, dict[str, float]] | None = None
    integers: tuple[str, ...] = ()


IRIS = {
    "sepal_length": "Sepal length, cm",
    "sepal_width": "Sepal width, cm",
    "petal_length": "Petal length, cm",
    "petal_width": "Petal width, cm",
}
DIABETES = {
    "age": "Age, years",
    "sex": "Sex (coded 1 or 2 in the dataset)",
    "bmi": "Body mass index, kg/m²",
    "bp": "Average blood pressure, mm Hg",
    "s1": "Total serum cholesterol (tc), mg/dL",
    "s2": "Low-density lipoproteins (ldl), mg/dL",
    "s3": "High-density lipoproteins (hdl), mg/dL",
    "s4": "Total cholesterol / HDL (tch)",
    "s5": "Log of serum triglycerides (ltg)",
    "s6": "Blood sugar level (glu), mg/dL",
}

RECIPES: dict[str, Recipe] = {
    "iris_logreg": Recipe(
        title="Iris species",
        description="Tells the species of an iris flower (setosa, versicolor, virginica) "
        "from four measurements of its sepals and petals.",
        algorithm="LogisticRegression",
        dataset="iris",
        load=datasets.load_iris,
        estimator=lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        descriptions=IRIS,
    ),
    "cancer_rf": Recipe(
        title="Breast cancer diagnosis",
        description="Classifies a breast mass as malignant or benign from 30 measurements "
        "of cell nuclei in a fine-needle aspirate image (Wisconsin dataset).",
        algorithm="RandomForest",
        dataset="breast_cancer",
        load=datasets.load_breast_cancer,
        estimator=lambda: RandomForestClassifier(n_estimators=100, random_state=SEED, n_jobs=1),
    ),
    "wine_gb": Recipe(
        title="Wine cultivar",
        description="Tells which of three Italian cultivars a wine comes from, "
        "from 13 results of its chemical analysis.",
        algorithm="GradientBoosting",
        dataset="wine",
        load=datasets.load_wine,
        estimator=lambda: GradientBoostingClassifier(n_estimators=100, random_state=SEED),
    ),
    "diabetes_rf": Recipe(
        title="Diabetes progression",
        description="Predicts a quantitative measure of diabetes progression one year "
        "after baseline (about 25 to 346) from age, sex, BMI, blood pressure and six "
        "blood serum measurements.",
        algorithm="RandomForestRegressor",
        dataset="diabetes",
        task="regression",
        load=lambda: datasets.load_diabetes(scaled=False),
        estimator=lambda: RandomForestRegressor(
            n_estimators=100, min_samples_leaf=3, random_state=SEED, n_jobs=1
        ),
        descriptions=DIABETES,
        categories={"sex": {"1": 1.0, "2": 2.0}},
        integers=("age",),
    ),
}


def snake(name: str) -> str:
    s = re.sub(r"\(.*?\)", "", name).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _nice(x: float) -> float:
    return float(f"{x:.4g}")


def _features(recipe: Recipe, names: list[str], X: np.ndarray) -> list[Feature]:
    out = []
    for i, raw in enumerate(names):
        name = snake(raw)
        col = X[:, i]
        desc = (recipe.descriptions or {}).get(name) or raw[:1].upper() + raw[1:]
        cats = (recipe.categories or {}).get(name)
        if cats:
            example = min(cats, key=lambda k: abs(cats[k] - float(np.median(col))))
            out.append(
                Feature(name=name, description=desc, type="category", categories=cats, example=example)
            )
            continue
        lo, hi = float(col.min()), float(col.max())
        span = hi - lo or abs(hi) or 1.0
        low = lo - span / 2
        if lo >= 0:
            low = max(0.0, low)  # a quantity that is never negative stays so
        is_int = name in recipe.integers
        median = float(np.median(col))
        out.append(
            Feature(
                name=name,
                description=desc,
                type="int" if is_int else "float",
                min=float(np.floor(low)) if is_int else _nice(low),
                max=float(np.ceil(hi + span / 2)) if is_int else _nice(hi + span / 2),
                example=float(round(median)) if is_int else _nice(median),
            )
        )
    return out


def build_model(name: str, models_dir: Path) -> ModelMeta:
    recipe = RECIPES[name]
    started = time.perf_counter()
    bunch = recipe.load()
    X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)
    classification = recipe.task == "classification"
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED, stratify=y if classification else None
    )
    est = recipe.estimator()
    est.fit(X_train, y_train)
    pred = est.predict(X_test)
    if classification:
        metrics = {"accuracy": round(float(accuracy_score(y_test, pred)), 4)}
        class_names = [str(c) for c in bunch.target_names]
    else:
        metrics = {
            "r2": round(float(r2_score(y_test, pred)), 4),
            "mae": round(float(mean_absolute_error(y_test, pred)), 2),
            # the target's observed range: a result's chart puts the value on it
            "target_min": round(float(np.min(y)), 6),
            "target_max": round(float(np.max(y)), 6),
        }
        class_names = []
    metrics["test_samples"] = float(len(y_test))
    data = formats.dumps(est)
    meta = ModelMeta(
        name=name,
        title=recipe.title,
        description=recipe.description,
        task=recipe.task,  # type: ignore[arg-type]
        algorithm=recipe.algorithm,
        features=_features(recipe, list(bunch.feature_names), X),
        class_names=class_names,
        version="1",
        file=f"{name}{formats.SUFFIX}",
        sha256=hashlib.sha256(data).hexdigest(),
        dataset=recipe.dataset,
        metrics=metrics,
        trained_at=datetime.now(UTC).replace(microsecond=0),
        sklearn_version=sklearn.__version__,
    )
    meta = apply_words(meta)  # titles, labels and descriptions in every language (ml/builtin_texts.py)
    write_model(models_dir, meta, data)
    log.info("built %s in %.1fs: %s", name, time.perf_counter() - started, metrics)
    return meta


def write_model(models_dir: Path, meta: ModelMeta, data: bytes) -> None:
    """The file and its metadata, each replaced at once (readers never see half a file)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    for path, content in (
        (models_dir / meta.file, data),
        (
            models_dir / f"{meta.name}{META_SUFFIX}",
            (json.dumps(meta.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode(),
        ),
    ):
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # one per process
        tmp.write_bytes(content)
        tmp.replace(path)


def read_built(models_dir: Path, names: list[str]) -> dict[str, tuple[ModelMeta, bytes]]:
    """The built models among `names` (metadata and file bytes, matching their SHA-256); one that
    is broken is logged and left out (the next start builds it again)."""
    out: dict[str, tuple[ModelMeta, bytes]] = {}
    for name in names:
        try:
            meta = ModelMeta.model_validate_json((models_dir / f"{name}{META_SUFFIX}").read_text("utf-8"))
            meta = apply_words(meta)  # the words of now, on a model built before they changed
            data = (models_dir / meta.file).read_bytes()
        except (OSError, ValueError) as exc:
            log.error("built-in model %s unreadable: %s", name, exc)
            continue
        if hashlib.sha256(data).hexdigest() != meta.sha256:
            log.error("built-in model %s: file does not match its SHA-256; not registered", name)
            continue
        out[name] = meta, data
    return out


def read_catalogue(models_dir: Path) -> dict[str, float]:
    """name -> cost, from models_dir/catalogue.toml."""
    path = models_dir / CATALOGUE_FILE
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(m["name"]): float(m["cost"]) for m in data.get("model", [])}


def missing_models(models_dir: Path) -> list[str]:
    """Built-in models of the catalogue whose file or metadata is absent."""
    return [
        name
        for name in read_catalogue(models_dir)
        if name in RECIPES
        and not (
            (models_dir / f"{name}{META_SUFFIX}").is_file()
            and (models_dir / f"{name}{formats.SUFFIX}").is_file()
        )
    ]


def build_catalogue(models_dir: Path, only: list[str] | None = None, force: bool = False) -> list[ModelMeta]:
    names = only or (list(read_catalogue(models_dir)) if force else missing_models(models_dir))
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        raise SystemExit(f"no recipe for: {', '.join(unknown)}; known: {', '.join(RECIPES)}")
    return [build_model(n, models_dir) for n in names]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models-dir", type=Path, default=Path("models_store"))
    parser.add_argument("--only", nargs="*", help="build only these models")
    parser.add_argument("--force", action="store_true", help="rebuild models that exist")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    built = build_catalogue(args.models_dir, args.only, args.force)
    for meta in built:
        print(f"{meta.name:14} {meta.algorithm:24} {meta.dataset:14} {meta.metrics}")
    print(f"built {len(built)} model(s) in {time.perf_counter() - started:.1f}s into {args.models_dir}")


if __name__ == "__main__":
    main()
