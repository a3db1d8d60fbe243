"""The ML executor: model calls run in a thread pool, never on the event loop."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)
from sklearn.tree._tree import Tree

from grouping import Coalescer
from ml.registry import LoadedModel, ModelNotLoaded, ModelRegistry
from ml.schema import ModelMeta

log = logging.getLogger(__name__)


T = TypeVar("T")


class ModelRunError(Exception):
    """The model could not produce a result for this input."""

    code = "model_failed"


class ModelTimeout(ModelRunError):
    code = "model_timeout"


class ModelOutputError(ModelRunError):
    """The model answered, but with something that is not a result (NaN, infinity, an object):
    that row fails (and is refunded) instead of being stored, shown or charged."""

    code = "model_output"


Result = dict[str, Any]


def check_output(result: Any) -> Result:
    """`result` if it is a dict that strict JSON can hold (no NaN or Infinity, nothing that json
    cannot encode); ModelOutputError with a plain message otherwise. PostgreSQL refuses such JSON
    (and would take the rest of a grouped write down with it); SQLite would store it."""
    if not isinstance(result, dict):
        raise ModelOutputError("the model returned no usable result")
    try:
        json.dumps(result, allow_nan=False)
    except ValueError as exc:
        raise ModelOutputError("the model returned a value that is not a finite number") from exc
    except (TypeError, RecursionError) as exc:
        raise ModelOutputError("the model returned a value that cannot be stored") from exc
    return result


def _checked(result: Any) -> Result | ModelRunError:
    try:
        return check_output(result)
    except ModelOutputError as exc:
        return exc


FOREST_CLASSIFIERS = (RandomForestClassifier, ExtraTreesClassifier)
FOREST_REGRESSORS = (RandomForestRegressor, ExtraTreesRegressor)
FOREST_TREES = (DecisionTreeClassifier, ExtraTreeClassifier, DecisionTreeRegressor, ExtraTreeRegressor)


def forest_output(est: Any, X: np.ndarray) -> np.ndarray | None:
    """A random forest's (or extra trees') output, computed as scikit-learn computes it: the sum
    of each tree's output, in order, divided by their number; bit for bit the same numbers.
    Without joblib's per-call set-up (Parallel, a lock, input validation per tree) a call costs
    about a thirteenth: 0.2 ms instead of 2.7 ms for 100 trees, whatever the batch. None for
    anything else (including several outputs): the estimator's own method runs."""
    if type(est) in FOREST_CLASSIFIERS:
        if est.n_outputs_ != 1:
            return None
        width = int(est.n_classes_)
    elif type(est) in FOREST_REGRESSORS:
        if est.n_outputs_ != 1:
            return None
        width = 0
    else:
        return None
    trees = getattr(est, "estimators_", None)
    if (
        X.shape[1] != getattr(est, "n_features_in_", -1)
        or not isinstance(trees, list)
        or not trees
        or not all(type(t) in FOREST_TREES and isinstance(t.__dict__.get("tree_"), Tree) for t in trees)
    ):
        return None  # the estimator's own method runs, and says what is wrong
    X32 = np.ascontiguousarray(X, dtype=np.float32)  # what scikit-learn's validation makes of it
    out = np.zeros((X.shape[0], width) if width else X.shape[0], dtype=np.float64)
    for tree in trees:
        values = tree.tree_.predict(X32)
        if values.ndim != 2 or values.shape[1] < max(width, 1):
            return None
        out += values[:, :width] if width else values[:, 0]
    out /= len(est.estimators_)
    return out


def predict_rows(loaded: LoadedModel, rows: list[list[float]]) -> list[dict[str, Any]]:
    """Run the model on rows (blocking). One result dict per row."""
    meta = loaded.meta
    X = np.asarray(rows, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(meta.features):
        raise ModelRunError(f"expected {len(meta.features)} features, got shape {X.shape}")
    est = loaded.estimator
    n = len(rows)
    fast = forest_output(est, X)
    if meta.task == "regression":
        if fast is None or fast.ndim != 1:  # (a classifier's probabilities are not its prediction)
            fast = est.predict(X)
        values = np.asarray(fast, dtype=np.float64)
        if values.shape not in {(n,), (n, 1)}:  # one number per row, or the rows would mix
            raise ModelOutputError(f"expected one value per row, got shape {values.shape}")
        return [{"value": round(float(v), 6)} for v in values.reshape(-1)]
    classes = len(meta.class_names)
    if hasattr(est, "predict_proba"):
        if fast is None or fast.ndim != 2:
            fast = est.predict_proba(X)
        proba = np.asarray(fast, dtype=np.float64)
        if proba.shape != (n, classes):
            raise ModelOutputError(f"expected {classes} probabilities per row, got shape {proba.shape}")
        idx = proba.argmax(axis=1)
    else:
        labels = np.asarray(est.predict(X))
        if labels.shape not in {(n,), (n, 1)}:
            raise ModelOutputError(f"expected one label per row, got shape {labels.shape}")
        idx = labels.astype(int).reshape(-1)
        if ((idx < 0) | (idx >= classes)).any():
            raise ModelOutputError("the model answered a class it does not declare")
        proba = np.eye(classes)[idx]
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
    """Runs models in a thread pool. With batching on, concurrent requests for the same model are
    gathered (up to `batch_max` rows; a batch that is not full waits `batch_wait` seconds for
    more) and run as one model call; each caller gets its own rows' results. If the combined call
    fails, each request is run on its own, so a bad row fails alone; if it times out, nothing is
    run again. Each row's output is checked (`check_output`), so a NaN fails its own row only."""

    def __init__(
        self,
        registry: ModelRegistry,
        max_workers: int = 2,
        timeout: float = 30.0,
        batching: bool = True,
        batch_max: int = 256,
        batch_wait: float = 0.003,
        fetch: Callable[[str], Awaitable[bytes]] | None = None,
    ) -> None:
        self.registry = registry
        # a model version's bytes by SHA-256 (from the database: every process gets every model)
        self.fetch = fetch
        self.timeout = timeout
        self.batching = batching
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ml")
        self._batchers: dict[str, Coalescer[list[list[float]], list[dict[str, Any]]]] = {}
        self._loading: dict[str, asyncio.Future[Any]] = {}  # sha256 -> the load under way
        self._prefetched: dict[str, bytes] = {}  # sha256 -> bytes read at start-up, not loaded yet

    async def load(self, name: str, meta: ModelMeta | None = None) -> LoadedModel:
        """The served version of `name` (or the version `meta` describes), fetched and built on
        first use (RegistryError if it cannot be: unknown, missing, not matching its SHA-256, or
        naming untrusted types)."""
        meta = meta or self.registry.meta(name)
        sha = meta.sha256
        estimator = self.registry.estimator(sha)
        if estimator is not None:  # no thread hop for a model already in memory
            return LoadedModel(meta, estimator)
        loading = self._loading.get(sha)
        if loading is None:  # one load per version, however many runs wait for it
            loading = self._loading[sha] = asyncio.ensure_future(self._load_version(sha))
            loading.add_done_callback(self._loaded_callback(sha))
        return LoadedModel(meta, await asyncio.shield(loading))

    def _loaded_callback(self, sha: str) -> Callable[[asyncio.Future[Any]], None]:
        def done(future: asyncio.Future[Any]) -> None:
            self._loading.pop(sha, None)
            if not future.cancelled():
                future.exception()  # retrieved: whoever waited has it; nobody may be waiting

        return done

    def prefetched(self, files: dict[str, bytes]) -> None:
        """Bytes read ahead (start-up reads every served version in one query, so that loading
        them in the background needs no database)."""
        self._prefetched.update(files)

    async def _load_version(self, sha: str) -> Any:
        data = self._prefetched.pop(sha, None)
        if data is None:
            if self.fetch is None:
                raise ModelNotLoaded(f"no source for model file {sha[:16]}")
            data = await self.fetch(sha)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.registry.load_bytes, sha, data)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Other blocking model work (an explanation) in the same pool, with the same timeout."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.timeout):
            return await loop.run_in_executor(self._pool, fn, *args)

    def _run_sync(self, loaded: LoadedModel, rows: list[list[float]]) -> list[dict[str, Any]]:
        try:
            return predict_rows(loaded, rows)
        except ModelRunError:
            raise
        except Exception as exc:  # the estimator's own failure, e.g. a bad upload
            raise ModelRunError(f"{type(exc).__name__}: {exc}"[:300]) from exc

    async def _run(self, loaded: LoadedModel, rows: list[list[float]]) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._run_sync, loaded, rows)

    async def predict(
        self, name: str, rows: list[list[float]], meta: ModelMeta | None = None
    ) -> list[Result]:
        """Predict rows with the served version of a model (or the version `meta` describes).
        ModelRunError/ModelTimeout when the call fails, ModelOutputError when a row's output is not
        a storable result (see `check_output`)."""
        results = await self.predict_each(name, rows, meta)
        out: list[Result] = []
        for result in results:
            if isinstance(result, ModelRunError):
                raise result
            out.append(result)
        return out

    async def predict_each(
        self, name: str, rows: list[list[float]], meta: ModelMeta | None = None
    ) -> list[Result | ModelRunError]:
        """Like `predict`, but a row whose output is not a storable result gets its
        ModelOutputError in its place and the other rows keep theirs (a CSV batch with one NaN
        row). A failure of the call as a whole still raises."""
        loaded = await self.load(name, meta)
        try:
            async with asyncio.timeout(self.timeout):
                if not self.batching or len(rows) >= self.batch_max:
                    raw = await self._run(loaded, rows)
                else:
                    raw = await self._batcher(loaded)(rows)
        except TimeoutError:
            raise self._timeout(name) from None
        return [_checked(result) for result in raw]

    def _timeout(self, name: str) -> ModelTimeout:
        return ModelTimeout(f"model {name} took longer than {self.timeout:g}s")

    def _batcher(self, loaded: LoadedModel) -> Coalescer[list[list[float]], list[dict[str, Any]]]:
        """One batcher per model version: rows of a replaced version never mix with the new."""
        key = loaded.meta.sha256
        batcher = self._batchers.get(key)
        if batcher is None:
            batcher = self._batchers[key] = Coalescer(
                functools.partial(self._run_many, loaded),
                self.batch_max,
                name=f"ml:{loaded.meta.name}",
                weight=len,
                linger=self.batch_wait,
            )
        return batcher

    async def _run_many(
        self, loaded: LoadedModel, requests: list[list[list[float]]]
    ) -> Sequence[list[dict[str, Any]] | BaseException]:
        """One model call for all requests; if it fails, each request alone, so a bad row fails
        alone. All of it within one `timeout`: by then every caller has given up (each waits at
        most that long), so what is left fails at once instead of running for no one; and after a
        timeout nothing is retried (a model that hangs would hang once per request)."""
        out: list[list[dict[str, Any]] | BaseException | None] = [None] * len(requests)
        try:
            async with asyncio.timeout(self.timeout):
                try:
                    results = await self._run(loaded, [row for rows in requests for row in rows])
                except Exception as exc:
                    if len(requests) == 1:
                        return [exc]  # alone already: the same call again would fail the same way
                    for i, rows in enumerate(requests):
                        try:
                            out[i] = await self._run(loaded, rows)
                        except Exception as exc:
                            out[i] = exc
                else:
                    start = 0
                    for i, rows in enumerate(requests):
                        out[i] = results[start : start + len(rows)]
                        start += len(rows)
        except TimeoutError:
            log.warning("model %s timed out; %d request(s) failed at once", loaded.meta.name, out.count(None))
        return [self._timeout(loaded.meta.name) if result is None else result for result in out]

    async def warm_up(self, names: list[str]) -> None:
        for name in names:
            try:
                await self.load(name)
            except Exception as exc:  # a broken model must not stop the bot
                log.error("model %s not loaded: %s", name, exc)

    async def stop_loading(self) -> None:
        """Cancel the loads under way and wait until they have let go of their database session
        (before the engine is disposed: a load cancelled later would wait on a closed driver)."""
        loads = list(self._loading.values())
        for loading in loads:
            loading.cancel()
        await asyncio.gather(*loads, return_exceptions=True)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
