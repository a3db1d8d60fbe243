"""The ML executor: model calls run in a thread pool, never on the event loop."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ml.registry import LoadedModel, ModelRegistry

log = logging.getLogger(__name__)


class ModelRunError(Exception):
    """The model could not produce a result for this input."""

    code = "model_failed"


class ModelTimeout(ModelRunError):
    code = "model_timeout"


def predict_rows(loaded: LoadedModel, rows: list[list[float]]) -> list[dict[str, Any]]:
    """Run the model on rows (blocking). One result dict per row."""
    meta = loaded.meta
    X = np.asarray(rows, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(meta.features):
        raise ModelRunError(f"expected {len(meta.features)} features, got shape {X.shape}")
    est = loaded.estimator
    if meta.task == "regression":
        values = np.asarray(est.predict(X), dtype=np.float64).reshape(-1)
        return [{"value": round(float(v), 6)} for v in values]
    if hasattr(est, "predict_proba"):
        proba = np.asarray(est.predict_proba(X), dtype=np.float64)
        idx = proba.argmax(axis=1)
    else:
        idx = np.asarray(est.predict(X)).astype(int).reshape(-1)
        proba = np.eye(len(meta.class_names))[idx]
    out = []
    for i, p in zip(idx, proba, strict=True):
        out.append(
            {
                "label": meta.class_names[int(i)],
                "class_index": int(i),
                "probabilities": {
                    name: round(float(v), 6) for name, v in zip(meta.class_names, p, strict=True)
                },
            }
        )
    return out


class MLExecutor:
    def __init__(self, registry: ModelRegistry, max_workers: int = 2, timeout: float = 30.0) -> None:
        self.registry = registry
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ml")

    async def load(self, name: str) -> LoadedModel:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.registry.load, name)

    async def predict(self, name: str, rows: list[list[float]]) -> list[dict[str, Any]]:
        """Predict rows with a registered model; ModelRunError/ModelTimeout on failure."""
        loop = asyncio.get_running_loop()

        def _call() -> list[dict[str, Any]]:
            loaded = self.registry.load(name)
            try:
                return predict_rows(loaded, rows)
            except ModelRunError:
                raise
            except Exception as exc:  # the estimator's own failure, e.g. a bad upload
                raise ModelRunError(f"{type(exc).__name__}: {exc}"[:300]) from exc

        try:
            return await asyncio.wait_for(loop.run_in_executor(self._pool, _call), self.timeout)
        except TimeoutError:
            raise ModelTimeout(f"model {name} took longer than {self.timeout:g}s") from None

    async def warm_up(self, names: list[str]) -> None:
        for name in names:
            try:
                await self.load(name)
            except Exception as exc:  # a broken model must not stop the bot
                log.error("model %s not loaded: %s", name, exc)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
