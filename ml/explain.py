"""Why a model answered what it did: exact per-prediction contributions of each input.

Two exact methods, chosen by the estimator's type; anything else is `Unsupported` (never an
approximation presented as an answer):

- tree ensembles (decision trees, random forests, extra trees, gradient boosting, histogram
  gradient boosting with one output): SHAP values from `shap.TreeExplainer`, path-dependent (the
  trees' own training counts are the background, so no data set is needed). Multi-class
  GradientBoostingClassifier, which shap refuses, is handed to it as one tree ensemble per class.
- linear models (LogisticRegression, Ridge, LinearRegression, ...): the exact linear form
  coef * (z - z_ref), where z is the input after the pipeline's scalers and z_ref the reference
  point after them. The reference is the training mean when the pipeline starts with a
  StandardScaler (its `mean_`; then z_ref = 0); otherwise the metadata's example values
  (`reference="examples"`). This is what shap's LinearExplainer computes for that background,
  without importing shap.

The space explained (`Explanation.space`) is the model's own output for the explained class:
- "probability" for tree classifiers that average class fractions (random forests, trees);
- "margin" for boosted trees and linear classifiers: the decision function, i.e. the log-odds of
  the class with two classes, the class's logit (softmax input) with more. A probability is not a
  sum of contributions there; the margin is.
- "value" for regressors.
In every case `base_value + sum(contributions) == output_value`, and the output value is checked
against the model's own answer for the row before an explanation is returned (off by more than
1e-6 → `Unsupported("inexact")`), so a model whose output is not what we think it is says so.

Pipelines: only element-wise scalers (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)
may come before the estimator, so that each transformed column is still one input.

Blocking, CPU only, no event loop: call it in a thread (the ML executor's pool). What an explainer
needs is built once per model file (keyed by its SHA-256) and kept (`KEEP`, least recently used
out). Deterministic (no sampling). Bounded: a tree model whose path-dependent cost (leaves *
depth² over its trees) is above `MAX_TREE_WORK` is `Unsupported("too_large")`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import (
    ARDRegression,
    BayesianRidge,
    ElasticNet,
    ElasticNetCV,
    HuberRegressor,
    Lasso,
    LassoCV,
    LinearRegression,
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
    RidgeClassifier,
    RidgeClassifierCV,
    RidgeCV,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)

from ml.registry import LoadedModel
from ml.schema import ModelMeta

log = logging.getLogger(__name__)

KEEP = 32  # prepared explainers kept (one per model file)
MAX_TREE_WORK = 2e8  # Σ leaves * depth² over the trees: ~1 s for one row on one core
TOLERANCE = 1e-6  # |base + Σ contributions - the model's own output|, relative to max(1, |output|)

Space = Literal["probability", "margin", "value"]
Reference = Literal["training", "examples"]
UnsupportedReason = Literal["estimator", "pipeline", "multi_output", "too_large", "inexact", "failed"]

SCALERS = (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)
TREE_MODELS = (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
# Whose output is exactly X @ coef_.T + intercept_ (GLMs such as PoissonRegressor are not: they
# apply a link; they would fail the output check anyway, but say "estimator" up front).
LINEAR_MODELS = (
    LinearRegression,
    Ridge,
    RidgeCV,
    Lasso,
    LassoCV,
    ElasticNet,
    ElasticNetCV,
    BayesianRidge,
    ARDRegression,
    HuberRegressor,
    SGDRegressor,
    LinearSVR,
    LogisticRegression,
    LogisticRegressionCV,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
    LinearSVC,
)


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str  # the model's input name (ModelMeta.features[i].name)
    value: float  # the input as the model received it (a category as its number)
    contribution: float  # signed, in the explanation's space


@dataclass(frozen=True, slots=True)
class Explanation:
    model: str
    sha256: str
    method: Literal["tree", "linear"]
    space: Space
    reference: Reference  # what base_value is the output at: the training data, or the examples
    class_name: str | None  # the class explained (the predicted one); None for a regression
    class_index: int | None
    base_value: float
    output_value: float
    contributions: tuple[Contribution, ...]  # every input, largest |contribution| first

    def top(self, n: int) -> tuple[Contribution, ...]:
        return self.contributions[:n]


@dataclass(frozen=True, slots=True)
class Unsupported:
    model: str
    reason: UnsupportedReason
    detail: str = ""  # for the log, not for users


ExplainResult = Explanation | Unsupported


@dataclass(frozen=True)
class _Prepared:
    """What explaining one model file needs, built once."""

    method: Literal["tree", "linear"]
    space: Space
    reference: Reference
    transform: Any | None  # the pipeline's scalers (None: the estimator takes the row as is)
    final: Any  # the estimator after them
    # tree: one shap explainer (its outputs are the classes, or one) or, for multi-class
    # gradient boosting, one per class
    explainers: tuple[Any, ...] = ()
    # linear: one row of weights per output, and the reference after the scalers
    weights: np.ndarray | None = None
    intercepts: np.ndarray | None = None
    z_reference: np.ndarray | None = None
    lock: threading.Lock | None = None  # shap's explainer keeps state between calls


@dataclass(frozen=True, slots=True)
class Reason:
    """One input behind an answer, for a plain sentence ("mostly because worst radius is high
    (25.4)")."""

    feature: str
    value: float  # as the model received it
    contribution: float
    level: Literal["high", "low", "typical"]  # the value against the metadata's example value
    category: str | None = None  # a category input: its label (then `level` is "typical")


def reasons(explanation: Explanation, meta: ModelMeta, count: int = 2, share: float = 0.25) -> list[Reason]:
    """The inputs that pushed the answer where it went: for a classifier those that pushed towards
    the class explained, for a regressor those with the sign of output - base; largest first, at
    most `count`, none under `share` of the largest. Whether a value is high or low is told
    against the feature's example value in the metadata (the data set's median for the built-in
    models)."""
    upwards = explanation.class_index is not None or explanation.output_value >= explanation.base_value
    direction = 1.0 if upwards else -1.0
    pushing = [c for c in explanation.contributions if c.contribution * direction > 0]
    if not pushing:
        return []
    largest = abs(pushing[0].contribution)
    features = {f.name: f for f in meta.features}
    out: list[Reason] = []
    for c in pushing[:count]:
        if abs(c.contribution) < share * largest:
            break
        feature = features[c.feature]
        if feature.type == "category":
            label = next((k for k, v in (feature.categories or {}).items() if v == c.value), None)
            out.append(Reason(c.feature, c.value, c.contribution, "typical", label))
            continue
        typical = _example_number(feature)
        level: Literal["high", "low", "typical"] = (
            "high" if c.value > typical else "low" if c.value < typical else "typical"
        )
        out.append(Reason(c.feature, c.value, c.contribution, level))
    return out


class Explainers:
    """Prepared explainers by model file; thread-safe. One per process (build it beside the ML
    executor and call `explain` in its pool)."""

    def __init__(self, keep: int = KEEP, max_tree_work: float = MAX_TREE_WORK) -> None:
        self.keep = keep
        self.max_tree_work = max_tree_work
        self._prepared: OrderedDict[str, _Prepared | Unsupported] = OrderedDict()
        self._lock = threading.Lock()

    def explain(
        self, loaded: LoadedModel, row: Sequence[float], class_index: int | None = None
    ) -> ExplainResult:
        """Contributions of each input of `row` (encoded, in the schema's order, as the model was
        called) to the model's answer; for a classifier, to the class `class_index` (the predicted
        one: pass the stored result's class_index; None computes it). Blocking."""
        meta = loaded.meta
        try:
            prepared = self._prepare(loaded)
            if isinstance(prepared, Unsupported):
                return prepared
            x = np.asarray([row], dtype=np.float64)
            if x.shape != (1, len(meta.features)) or not np.isfinite(x).all():
                return Unsupported(meta.name, "failed", f"row of shape {x.shape} or not finite")
            if meta.task == "classification" and class_index is None:
                class_index = _predicted_class(loaded.estimator, x)
            return _explain(prepared, loaded, x, class_index)
        except Exception as exc:  # an uploaded estimator can fail anywhere: say so, never raise
            log.warning("explaining %s failed: %s: %s", meta.name, type(exc).__name__, exc)
            return Unsupported(meta.name, "failed", f"{type(exc).__name__}: {exc}"[:300])

    def _prepare(self, loaded: LoadedModel) -> _Prepared | Unsupported:
        sha = loaded.meta.sha256
        with self._lock:
            found = self._prepared.get(sha)
            if found is not None:
                self._prepared.move_to_end(sha)
                return found
        # built outside the lock (two threads may build the same one once; either result is kept)
        built = prepare(loaded, self.max_tree_work)
        with self._lock:
            self._prepared[sha] = built
            while len(self._prepared) > self.keep:
                self._prepared.popitem(last=False)
        return built


def prepare(loaded: LoadedModel, max_tree_work: float = MAX_TREE_WORK) -> _Prepared | Unsupported:
    """Build what explaining this model needs (blocking), or say why it cannot be explained."""
    meta, est = loaded.meta, loaded.estimator
    transform, final = est, est
    if isinstance(est, Pipeline):
        steps = [step for _, step in est.steps]
        for step in steps[:-1]:
            if step is not None and step != "passthrough" and type(step) not in SCALERS:
                return Unsupported(meta.name, "pipeline", f"pipeline step {type(step).__name__}")
        transform = est[:-1] if len(steps) > 1 else None
        final = steps[-1]
    else:
        transform = None
    if type(final) in TREE_MODELS:
        return _prepare_tree(meta, transform, final, max_tree_work)
    if type(final) in LINEAR_MODELS:
        return _prepare_linear(meta, est, transform, final)
    return Unsupported(meta.name, "estimator", type(final).__name__)


def _prepare_tree(
    meta: ModelMeta, transform: Any, final: Any, max_tree_work: float
) -> _Prepared | Unsupported:
    import shap  # here: importing shap (numba, pandas) costs ~1 s and ~100 MB; only "Why?" needs it

    if getattr(final, "n_outputs_", 1) != 1:
        return Unsupported(meta.name, "multi_output", type(final).__name__)
    work = _tree_work(final)
    if work > max_tree_work:
        return Unsupported(meta.name, "too_large", f"tree work {work:.3g} > {max_tree_work:.3g}")
    space: Space = "value"
    if meta.task == "classification":
        boosted = isinstance(final, GradientBoostingClassifier | HistGradientBoostingClassifier)
        space = "margin" if boosted else "probability"
    if isinstance(final, GradientBoostingClassifier) and final.estimators_.shape[1] > 1:
        explainers = tuple(shap.TreeExplainer(model) for model in _boosting_per_class(final))
    else:
        explainers = (shap.TreeExplainer(final),)
    return _Prepared(
        "tree", space, "training", transform, final, explainers=explainers, lock=threading.Lock()
    )


def _tree_work(final: Any) -> float:
    """Σ leaves * depth² over the fitted trees (what path-dependent Tree SHAP costs per row)."""
    if isinstance(final, HistGradientBoostingClassifier | HistGradientBoostingRegressor):
        trees = [p for per_iteration in final._predictors for p in per_iteration]
        return float(sum(t.get_n_leaf_nodes() * max(t.get_max_depth(), 1) ** 2 for t in trees))
    found = getattr(final, "estimators_", None)
    if found is None:
        estimators = [final]
    else:
        estimators = list(np.asarray(found, dtype=object).ravel())
    return float(
        sum(e.tree_.n_leaves * max(int(e.tree_.max_depth), 1) ** 2 for e in estimators if hasattr(e, "tree_"))
    )


def _boosting_per_class(final: GradientBoostingClassifier) -> list[dict[str, Any]]:
    """A multi-class GradientBoostingClassifier as one shap tree ensemble per class (its margin for
    that class: the prior's log-probability plus learning_rate * the class's trees)."""
    if not _constant_init(final):
        raise ValueError("the boosting starts from a model of its own (init=...), not a constant")
    zero = np.zeros((1, final.n_features_in_), dtype=np.float64)
    margins = final.decision_function(zero)[0]
    models = []
    for k in range(final.estimators_.shape[1]):
        regressors = final.estimators_[:, k]
        offset = float(margins[k]) - final.learning_rate * sum(
            float(r.predict(zero.astype(np.float32))[0]) for r in regressors
        )
        trees = [
            {
                "children_left": r.tree_.children_left,
                "children_right": r.tree_.children_right,
                "children_default": r.tree_.children_left,
                "features": r.tree_.feature,
                "thresholds": r.tree_.threshold.astype(np.float64),
                "values": r.tree_.value.reshape(r.tree_.node_count, 1) * final.learning_rate,
                "node_sample_weight": r.tree_.weighted_n_node_samples.astype(np.float64),
            }
            for r in regressors
        ]
        models.append(
            {
                "trees": trees,
                "base_offset": offset,
                "tree_output": "raw_value",
                "input_dtype": np.float32,  # as scikit-learn's trees compare inputs
                "internal_dtype": np.float64,
            }
        )
    return models


def _constant_init(final: GradientBoostingClassifier) -> bool:
    from sklearn.dummy import DummyClassifier

    init = final.init_
    return init == "zero" or (type(init) is DummyClassifier and init.strategy == "prior")


def _prepare_linear(meta: ModelMeta, est: Any, transform: Any, final: Any) -> _Prepared | Unsupported:
    coef = np.asarray(final.coef_, dtype=np.float64)
    intercept = np.atleast_1d(np.asarray(final.intercept_, dtype=np.float64))
    weights = coef.reshape(1, -1) if coef.ndim == 1 else coef
    if meta.task == "regression" and weights.shape[0] != 1:
        return Unsupported(meta.name, "multi_output", f"coef_ of shape {coef.shape}")
    if weights.shape[1] != len(meta.features):
        return Unsupported(meta.name, "failed", f"coef_ of shape {coef.shape}")
    first = est.steps[0][1] if isinstance(est, Pipeline) else None
    reference: Reference
    if isinstance(first, StandardScaler) and getattr(first, "mean_", None) is not None:
        x_reference = np.asarray(first.mean_, dtype=np.float64).reshape(1, -1)
        reference = "training"
    else:
        # no training mean kept: the metadata's examples (typical values) are the reference
        x_reference = np.asarray([[_example_number(f) for f in meta.features]], dtype=np.float64)
        reference = "examples"
    z_reference = transform.transform(x_reference) if transform is not None else x_reference
    space: Space = "margin" if meta.task == "classification" else "value"
    return _Prepared(
        "linear",
        space,
        reference,
        transform,
        final,
        weights=weights,
        intercepts=np.broadcast_to(intercept, (weights.shape[0],)).copy(),
        z_reference=np.asarray(z_reference, dtype=np.float64)[0],
    )


def _example_number(feature: Any) -> float:
    if feature.type == "category":
        return float((feature.categories or {})[str(feature.example)])
    return float(feature.example)


def _predicted_class(est: Any, x: np.ndarray) -> int:
    """As the ML executor decides it: the most probable class, or the class predict() names."""
    if hasattr(est, "predict_proba"):
        return int(np.asarray(est.predict_proba(x))[0].argmax())
    return int(np.asarray(est.predict(x)).reshape(-1)[0])


def _explain(
    prepared: _Prepared, loaded: LoadedModel, x: np.ndarray, class_index: int | None
) -> ExplainResult:
    meta = loaded.meta
    z = prepared.transform.transform(x) if prepared.transform is not None else x
    z = np.asarray(z, dtype=np.float64)
    if meta.task == "classification":
        if class_index is None or not 0 <= class_index < len(meta.class_names):
            return Unsupported(meta.name, "failed", f"class index {class_index}")
    if prepared.method == "tree":
        found = _tree_values(prepared, z, class_index)
    else:
        found = _linear_values(prepared, z, class_index)
    if isinstance(found, str):
        return Unsupported(meta.name, "failed", found)
    base, phi = found
    output = base + float(phi.sum())
    expected = _model_output(prepared, z, class_index)
    if expected is None or abs(output - expected) > TOLERANCE * max(1.0, abs(expected)):
        log.warning("explanation of %s does not add up: %s vs the model's %s", meta.name, output, expected)
        return Unsupported(meta.name, "inexact", f"{output} vs the model's {expected}")
    order = sorted(range(len(phi)), key=lambda i: (-abs(float(phi[i])), i))
    return Explanation(
        model=meta.name,
        sha256=meta.sha256,
        method=prepared.method,
        space=prepared.space,
        reference=prepared.reference,
        class_name=meta.class_names[class_index] if class_index is not None else None,
        class_index=class_index,
        base_value=base,
        output_value=expected,
        contributions=tuple(
            Contribution(meta.features[i].name, float(x[0, i]), float(phi[i])) for i in order
        ),
    )


def _tree_values(
    prepared: _Prepared, z: np.ndarray, class_index: int | None
) -> tuple[float, np.ndarray] | str:
    per_class = len(prepared.explainers) > 1
    explainer = prepared.explainers[class_index or 0] if per_class else prepared.explainers[0]
    assert prepared.lock is not None
    with prepared.lock:  # shap_values sets expected_value on the explainer
        values = np.asarray(explainer.shap_values(z, check_additivity=False), dtype=np.float64)
        expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64))
    phi = values[0]  # (features,) or (features, outputs)
    if phi.ndim == 1:
        phi = phi[:, None]
    outputs = phi.shape[1]
    if per_class or (outputs == 1 and class_index in (None, 1)):
        return float(expected[0]), phi[:, 0]
    if outputs == 1 and class_index == 0:  # a binary margin explains the second class
        return -float(expected[0]), -phi[:, 0]
    if class_index is not None and class_index < outputs:
        return float(expected[class_index]), phi[:, class_index]
    return f"{outputs} outputs for class {class_index}"


def _linear_values(
    prepared: _Prepared, z: np.ndarray, class_index: int | None
) -> tuple[float, np.ndarray] | str:
    assert prepared.weights is not None and prepared.intercepts is not None
    assert prepared.z_reference is not None
    weights, intercepts, z_ref = prepared.weights, prepared.intercepts, prepared.z_reference
    sign = 1.0
    if weights.shape[0] == 1:
        row = 0
        sign = -1.0 if class_index == 0 else 1.0  # a binary margin is the second class's
    elif class_index is not None and class_index < weights.shape[0]:
        row = class_index
    else:
        return f"{weights.shape[0]} weight rows for class {class_index}"
    w = weights[row]
    phi = sign * w * (z[0] - z_ref)
    base = sign * (float(intercepts[row]) + float(w @ z_ref))
    return base, phi


def _model_output(prepared: _Prepared, z: np.ndarray, class_index: int | None) -> float | None:
    """The model's own answer for the row, in the explanation's space."""
    final = prepared.final
    if prepared.space == "value":
        return float(np.asarray(final.predict(z), dtype=np.float64).reshape(-1)[0])
    if prepared.space == "probability":
        return float(np.asarray(final.predict_proba(z), dtype=np.float64)[0, class_index])
    margin = np.asarray(final.decision_function(z), dtype=np.float64).reshape(-1)
    if margin.size == 1:
        return float(-margin[0] if class_index == 0 else margin[0])
    if class_index is None or class_index >= margin.size:
        return None
    return float(margin[class_index])
