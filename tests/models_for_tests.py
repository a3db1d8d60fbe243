"""Estimators that misbehave on purpose, pickled by reference for failure tests."""

from __future__ import annotations

import time
from typing import Any


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
