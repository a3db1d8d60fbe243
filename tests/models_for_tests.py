"""Estimators that misbehave on purpose, pickled by reference for failure tests, and a helper
that installs one as an admin upload would."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sklearn.tree import DecisionTreeClassifier

from ml import formats
from ml.registry import ModelRegistry
from ml.schema import Feature, ModelMeta
from ml.train import read_built, read_catalogue

if TYPE_CHECKING:
    from bot.app import Services


class Exploding:
    """Loads fine, then fails when asked to predict."""

    def predict_proba(self, X: Any) -> Any:
        raise ValueError("boom: the model blew up")

    def predict(self, X: Any) -> Any:
        raise ValueError("boom: the model blew up")


class Slow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def predict_proba(self, X: Any) -> Any:
        time.sleep(self.seconds)
        return [[0.5, 0.5] for _ in X]


class NotFinite:
    """A classifier that answers NaN probabilities for rows whose first value is 7; fine for the
    rest. Counts its calls (rows per call)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict_proba(self, X: Any) -> Any:
        import numpy as np

        self.calls.append(len(X))
        X = np.asarray(X, dtype=float)
        out = np.tile([0.25, 0.75], (len(X), 1))
        out[X[:, 0] == 7] = np.nan
        return out


class InfiniteRegressor:
    """A regressor that answers infinity for rows whose first value is 7."""

    def predict(self, X: Any) -> Any:
        import numpy as np

        X = np.asarray(X, dtype=float)
        return np.where(X[:, 0] == 7, np.inf, X[:, 0] * 2)


class RaisesOnSeven:
    """Fails the whole call when any row's first value is 7 (as a model refusing one bad row
    does); counts its calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict_proba(self, X: Any) -> Any:
        import numpy as np

        self.calls.append(len(X))
        X = np.asarray(X, dtype=float)
        if (X[:, 0] == 7).any():
            raise ValueError("cannot handle 7")
        return np.tile([0.25, 0.75], (len(X), 1))


class SlowCounting:
    """Takes `seconds` per call (past a small ML_TIMEOUT in tests); counts its calls."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls: list[int] = []

    def predict_proba(self, X: Any) -> Any:
        self.calls.append(len(X))
        time.sleep(self.seconds)
        return [[0.5, 0.5] for _ in X]


# Set by Gated once a call has started; set by a test to let Gated's calls finish (a call waits
# at most 10 s for it).
ENTERED = threading.Event()
GATE = threading.Event()


class Gated:
    """Holds each call until GATE is set (so a run stays pending while a test looks at it)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict_proba(self, X: Any) -> Any:
        self.calls.append(len(X))
        ENTERED.set()
        GATE.wait(10)
        return [[0.5, 0.5] for _ in X]


# Their full names, trusted in the tests' settings (MODEL_TRUSTED_TYPES) so that they load.
TEST_MODEL_TYPES = frozenset(
    f"{__name__}.{cls}"
    for cls in (
        "Exploding",
        "Slow",
        "NotFinite",
        "InfiniteRegressor",
        "RaisesOnSeven",
        "SlowCounting",
        "Gated",
    )
)


async def install_model(
    services: Services, name: str, estimator: Any, cost: float = 2.0, task: str = "classification"
) -> None:
    """Store a model version and serve it on every process, as an admin upload would."""
    data = formats.dumps(estimator)
    meta = ModelMeta(
        name=name,
        title=name,
        description="test model",
        task=task,  # type: ignore[arg-type]
        algorithm=type(estimator).__name__,
        features=[Feature(name="x", description="x", min=0, max=10, example=1)],
        class_names=["no", "yes"] if task == "classification" else [],
        file=f"{name}{formats.SUFFIX}",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    await services.predictions.install(meta, data, Decimal(str(cost)), "test")


def registry_from_files(models_dir: Path, trusted_types: Iterable[str] = ()) -> ModelRegistry:
    """A registry serving the built-in models of `models_dir`, loaded (no database: for the
    executor and registry tests)."""
    registry = ModelRegistry(trusted_types)
    built = read_built(models_dir, list(read_catalogue(models_dir)))
    for i, (meta, data) in enumerate(built.values(), start=1):
        serve(registry, meta, data, i)
    return registry


def serve(registry: ModelRegistry, meta: ModelMeta, data: bytes, version_id: int) -> None:
    """Make `meta` the served version (as a refresh from the database would) and load its bytes."""
    registry.update({meta.name: (version_id, meta)})
    registry.load_bytes(meta.sha256, data)


def as_version(base: ModelMeta, name: str, estimator: Any) -> tuple[ModelMeta, bytes]:
    """`estimator` as a model named `name` with `base`'s inputs and classes."""
    data = formats.dumps(estimator)
    meta = base.model_copy(
        update={"name": name, "file": f"{name}{formats.SUFFIX}", "sha256": hashlib.sha256(data).hexdigest()}
    )
    return meta, data


# An uploaded model's metadata in the upload tests: two inputs (a, b), classes no/yes.
TINY_TREE_META: dict[str, Any] = {
    "name": "tiny_tree",
    "title": "Tiny tree",
    "description": "A test upload",
    "task": "classification",
    "algorithm": "DecisionTree",
    "class_names": ["no", "yes"],
    "cost": 0.5,
    "features": [
        {"name": "a", "description": "A", "min": 0, "max": 1, "example": 1},
        {"name": "b", "description": "B", "min": 0, "max": 1, "example": 1},
    ],
}


def tiny_tree(labels: tuple[int, int] = (0, 1), n_features: int = 2) -> DecisionTreeClassifier:
    """A tree for TINY_TREE_META: all zeros gives labels[0], all ones labels[1]."""
    return DecisionTreeClassifier(random_state=0).fit([[0] * n_features, [1] * n_features], list(labels))
