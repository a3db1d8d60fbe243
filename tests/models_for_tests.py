"""Estimators that misbehave on purpose, pickled by reference for failure tests, and a helper
that installs one as an admin upload would."""

from __future__ import annotations

import io
import threading
import time
from typing import TYPE_CHECKING, Any

import joblib

from db.models import Model
from ml.schema import Feature, ModelMeta

if TYPE_CHECKING:
    from bot.app import Core


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


async def install_model(
    core: Core, name: str, estimator: Any, cost: float = 2.0, task: str = "classification"
) -> None:
    """Install a model file and its metadata, and register its row, as an admin upload would."""
    buf = io.BytesIO()
    joblib.dump(estimator, buf)
    meta = ModelMeta(
        name=name,
        title=name,
        description="test model",
        task=task,  # type: ignore[arg-type]
        algorithm=type(estimator).__name__,
        features=[Feature(name="x", description="x", min=0, max=10, example=1)],
        class_names=["no", "yes"] if task == "classification" else [],
        file=f"{name}.joblib",
        sha256="0" * 64,
    )
    core.registry.install(meta, buf.getvalue())
    async with core.session_factory() as s, s.begin():
        s.add(Model(name=name, cost=cost, file_path=meta.file))
