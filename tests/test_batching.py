"""Dynamic batching in the ML executor: same results as one call per request; a bad row fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ml.executor import MLExecutor, ModelRunError
from ml.registry import ModelRegistry
from ml.train import RECIPES
from tests.models_for_tests import as_version, registry_from_files, serve


class CountingModel:
    """Wraps a real model; counts calls; refuses rows with a negative first value."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def predict_proba(self, X: Any) -> Any:
        self.calls.append(len(X))
        if (np.asarray(X)[:, 0] < 0).any():
            raise ValueError("negative input")
        return self.inner.predict_proba(X)

    def predict(self, X: Any) -> Any:
        return self.predict_proba(X).argmax(axis=1)


@pytest.fixture
async def executors(models_dir: Path) -> AsyncIterator[tuple[MLExecutor, MLExecutor, ModelRegistry]]:
    registry = registry_from_files(models_dir, {f"{__name__}.CountingModel"})
    batched = MLExecutor(registry, max_workers=2, batching=True, batch_max=64, batch_wait=0.01)
    plain = MLExecutor(registry, max_workers=2, batching=False)
    yield batched, plain, registry
    batched.shutdown()
    plain.shutdown()


def cancer_rows(n: int) -> list[list[float]]:
    return np.asarray(RECIPES["cancer_rf"].load().data[:n], dtype=float).tolist()


async def test_batched_and_unbatched_results_are_identical(
    executors: tuple[MLExecutor, MLExecutor, ModelRegistry],
) -> None:
    batched, plain, _ = executors
    rows = cancer_rows(150)
    one_by_one = [(await plain.predict("cancer_rf", [row]))[0] for row in rows]
    together = await asyncio.gather(*(batched.predict("cancer_rf", [row]) for row in rows))
    assert [r[0] for r in together] == one_by_one
    multi = await asyncio.gather(
        batched.predict("cancer_rf", rows[:3]), batched.predict("cancer_rf", rows[3:5])
    )
    assert multi[0] + multi[1] == one_by_one[:5]


async def test_concurrent_requests_share_model_calls(
    executors: tuple[MLExecutor, MLExecutor, ModelRegistry], models_dir: Path
) -> None:
    batched, _, registry = executors
    _install(registry, models_dir, "counting")
    rows = cancer_rows(100)
    await asyncio.gather(*(batched.predict("counting", [row]) for row in rows))
    assert sum(counting_calls(registry)) == 100
    assert len(counting_calls(registry)) < 10  # gathered into few calls of up to 64 rows
    assert max(counting_calls(registry)) <= 64


async def test_a_bad_row_fails_alone(
    executors: tuple[MLExecutor, MLExecutor, ModelRegistry], models_dir: Path
) -> None:
    batched, _, registry = executors
    _install(registry, models_dir, "counting")
    rows = cancer_rows(10)
    bad = [-1.0, *rows[0][1:]]
    outcomes = await asyncio.gather(
        *(batched.predict("counting", [row]) for row in [*rows[:5], bad, *rows[5:]]), return_exceptions=True
    )
    assert isinstance(outcomes[5], ModelRunError) and "negative input" in str(outcomes[5])
    good = [o for i, o in enumerate(outcomes) if i != 5]
    assert all(isinstance(o, list) and o[0]["label"] in {"malignant", "benign"} for o in good)


def _install(registry: ModelRegistry, models_dir: Path, name: str) -> None:
    base = registry.load("cancer_rf")
    meta, data = as_version(base.meta, name, CountingModel(base.estimator))
    serve(registry, meta, data, 99)


def counting_calls(registry: ModelRegistry) -> list[int]:
    cached = registry.cached("counting")
    assert cached is not None
    return list(cached.estimator.calls)
