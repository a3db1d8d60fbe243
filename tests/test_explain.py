"""Explanations ("Why?") on the real built-in models: exact, in the model's own output space."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, PoissonRegressor, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from ml import explain
from ml.executor import predict_rows
from ml.explain import Explainers, Explanation, Unsupported, reasons
from ml.registry import LoadedModel, ModelRegistry
from tests.models_for_tests import as_version, registry_from_files

TOL = 1e-6
DATASETS = {
    "iris_logreg": datasets.load_iris,
    "cancer_rf": datasets.load_breast_cancer,
    "wine_gb": datasets.load_wine,
    "diabetes_rf": lambda: datasets.load_diabetes(scaled=False),
}


@pytest.fixture(scope="module")
def registry(built_models: Path) -> ModelRegistry:
    return registry_from_files(built_models)


def rows_of(name: str, count: int = 12) -> list[list[float]]:
    """Rows of the model's own data set, and the same rows nudged off the training points."""
    X = np.asarray(DATASETS[name]().data, dtype=np.float64)
    picked = X[np.linspace(0, len(X) - 1, count).astype(int)]
    nudged = picked * np.random.default_rng(7).uniform(0.9, 1.1, picked.shape)
    return [*picked.tolist(), *nudged.tolist()]


def explained(result: Any) -> Explanation:
    assert isinstance(result, Explanation), result
    return result


def test_linear_contributions_are_coefficient_times_distance_from_the_training_mean(
    registry: ModelRegistry,
) -> None:
    loaded = registry.load("iris_logreg")
    scaler, logreg = loaded.estimator[0], loaded.estimator[-1]
    assert isinstance(scaler, StandardScaler) and isinstance(logreg, LogisticRegression)
    explainers = Explainers()
    names = loaded.meta.feature_names
    for row in rows_of("iris_logreg"):
        x = np.asarray(row)
        margins = loaded.estimator.decision_function([row])[0]
        for k, class_name in enumerate(loaded.meta.class_names):
            result = explained(explainers.explain(loaded, row, class_index=k))
            assert (result.method, result.space, result.reference) == ("linear", "margin", "training")
            assert (result.class_index, result.class_name) == (k, class_name)
            by_name = {c.feature: c.contribution for c in result.contributions}
            assert sorted(by_name) == sorted(names)
            # the model's input space: coef / scale * (value - mean), the scaler accounted for
            expected = logreg.coef_[k] / scaler.scale_ * (x - scaler.mean_)
            for i, name in enumerate(names):
                assert by_name[name] == pytest.approx(expected[i], abs=1e-12)
            assert result.base_value == pytest.approx(logreg.intercept_[k], abs=1e-12)
            assert result.output_value == pytest.approx(margins[k], abs=1e-12)
            assert result.base_value + sum(by_name.values()) == pytest.approx(margins[k], abs=TOL)
            magnitudes = [abs(c.contribution) for c in result.contributions]
            assert magnitudes == sorted(magnitudes, reverse=True)
            for c in result.contributions:
                assert c.value == row[names.index(c.feature)]


def test_linear_contributions_match_shaps_linear_explainer(registry: ModelRegistry) -> None:
    import shap

    loaded = registry.load("iris_logreg")
    scaler, logreg = loaded.estimator[0], loaded.estimator[-1]
    # background: the training mean, which after the scaler is zero
    reference = shap.LinearExplainer(logreg, (np.zeros(4), np.eye(4)))
    row = rows_of("iris_logreg")[5]
    values = np.asarray(reference.shap_values(scaler.transform([row])))  # (1, features, classes)
    ours = explained(Explainers().explain(loaded, row, class_index=2))
    by_name = {c.feature: c.contribution for c in ours.contributions}
    for i, name in enumerate(loaded.meta.feature_names):
        assert by_name[name] == pytest.approx(values[0, i, 2], abs=1e-9)


@pytest.mark.parametrize(
    ("name", "space"), [("cancer_rf", "probability"), ("wine_gb", "margin"), ("diabetes_rf", "value")]
)
def test_tree_contributions_and_base_add_up_to_the_models_output(
    registry: ModelRegistry, name: str, space: str
) -> None:
    loaded = registry.load(name)
    est, meta = loaded.estimator, loaded.meta
    explainers = Explainers()
    for row in rows_of(name):
        served = predict_rows(loaded, [row])[0]  # what the user was shown
        result = explained(explainers.explain(loaded, row))
        assert (result.method, result.space, result.reference) == ("tree", space, "training")
        total = result.base_value + sum(c.contribution for c in result.contributions)
        if meta.task == "regression":
            assert result.class_index is None
            output = float(est.predict([row])[0])
            assert output == pytest.approx(served["value"], abs=1e-6)
        else:
            # the class explained is the predicted one
            assert result.class_index == served["class_index"] and result.class_name == served["label"]
            k = served["class_index"]
            if space == "probability":
                output = float(est.predict_proba([row])[0, k])
            else:
                output = float(est.decision_function([row])[0, k])
        assert abs(total - output) <= TOL
        assert abs(result.output_value - output) <= TOL
        assert len(result.contributions) == len(meta.features)


def test_every_class_of_a_tree_classifier_can_be_explained(registry: ModelRegistry) -> None:
    loaded = registry.load("wine_gb")
    row = rows_of("wine_gb")[3]
    margins = loaded.estimator.decision_function([row])[0]
    explainers = Explainers()
    for k in range(3):
        result = explained(explainers.explain(loaded, row, class_index=k))
        assert abs(result.base_value + sum(c.contribution for c in result.contributions) - margins[k]) <= TOL


def loaded_as(registry: ModelRegistry, base: str, name: str, estimator: Any) -> LoadedModel:
    meta, _ = as_version(registry.meta(base), name, estimator)
    return LoadedModel(meta, estimator)


def test_binary_margins_explain_either_class(registry: ModelRegistry) -> None:
    """A binary margin is the second class's; the first class's is its negative."""
    data = datasets.load_breast_cancer()
    X, y = data.data, data.target
    models = {
        "gb_binary": GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, y),
        "logreg_binary": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y),
    }
    explainers = Explainers()
    for name, est in models.items():
        loaded = loaded_as(registry, "cancer_rf", name, est)
        for row in rows_of("cancer_rf", 6):
            margin = float(est.decision_function([row])[0])
            for k, sign in ((0, -1.0), (1, 1.0)):
                result = explained(explainers.explain(loaded, row, class_index=k))
                assert result.space == "margin"
                total = result.base_value + sum(c.contribution for c in result.contributions)
                assert abs(total - sign * margin) <= TOL, name


def test_a_linear_model_without_a_training_mean_is_explained_against_the_examples(
    registry: ModelRegistry,
) -> None:
    data = datasets.load_diabetes(scaled=False)
    est = make_pipeline(MinMaxScaler(), Ridge()).fit(data.data, data.target)
    loaded = loaded_as(registry, "diabetes_rf", "ridge_minmax", est)
    row = rows_of("diabetes_rf")[2]
    result = explained(Explainers().explain(loaded, row))
    assert (result.method, result.space, result.reference) == ("linear", "value", "examples")
    examples = est.predict([[float(f.example) for f in loaded.meta.features]])[0]
    assert result.base_value == pytest.approx(examples, abs=1e-9)
    total = result.base_value + sum(c.contribution for c in result.contributions)
    assert abs(total - est.predict([row])[0]) <= TOL


def test_models_without_an_exact_explainer_say_so(registry: ModelRegistry) -> None:
    iris = datasets.load_iris()
    diabetes = datasets.load_diabetes(scaled=False)
    knn = KNeighborsClassifier().fit(iris.data, iris.target)
    cases = {
        "estimator": loaded_as(registry, "iris_logreg", "knn", knn),
        "pipeline": loaded_as(
            registry,
            "iris_logreg",
            "pca_logreg",
            make_pipeline(PCA(2), LogisticRegression(max_iter=1000)).fit(iris.data, iris.target),
        ),
    }
    poisson = PoissonRegressor().fit(diabetes.data, diabetes.target)
    glm = loaded_as(registry, "diabetes_rf", "poisson", poisson)
    explainers = Explainers()
    for reason, loaded in cases.items():
        result = explainers.explain(loaded, [5.1, 3.5, 1.4, 0.2])
        assert isinstance(result, Unsupported) and result.reason == reason, result
        assert result.model == loaded.meta.name
    refused = explainers.explain(glm, rows_of("diabetes_rf")[0])
    assert refused == Unsupported("poisson", "estimator", "PoissonRegressor")


def test_a_model_too_large_to_explain_in_time_is_refused_up_front(registry: ModelRegistry) -> None:
    result = Explainers(max_tree_work=1000).explain(registry.load("cancer_rf"), rows_of("cancer_rf")[0])
    assert isinstance(result, Unsupported) and result.reason == "too_large"


def test_a_failing_estimator_gives_a_failed_result_not_an_exception(registry: ModelRegistry) -> None:
    data = datasets.load_diabetes(scaled=False)
    est = HistGradientBoostingRegressor(max_iter=20).fit(data.data, data.target)
    loaded = loaded_as(registry, "diabetes_rf", "hgb", est)
    ok = explained(Explainers().explain(loaded, rows_of("diabetes_rf")[0]))
    assert abs(ok.base_value + sum(c.contribution for c in ok.contributions) - ok.output_value) <= TOL
    wrong_width = Explainers().explain(loaded, [1.0, 2.0])
    assert isinstance(wrong_width, Unsupported) and wrong_width.reason == "failed"
    not_finite = Explainers().explain(loaded, [float("nan")] * 10)
    assert isinstance(not_finite, Unsupported) and not_finite.reason == "failed"


def test_prepared_once_per_model_file_and_deterministic(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = explain.prepare

    def counting(loaded: LoadedModel, *args: Any) -> Any:
        calls.append(loaded.meta.sha256)
        return real(loaded, *args)

    monkeypatch.setattr(explain, "prepare", counting)
    explainers = Explainers()
    loaded = registry.load("cancer_rf")
    rows = rows_of("cancer_rf", 4)
    first = [explainers.explain(loaded, row) for row in rows]
    again = [explainers.explain(loaded, row) for row in rows]
    assert first == again
    assert calls == [loaded.meta.sha256]
    # another version of the model (another file) is prepared on its own
    forest = RandomForestClassifier(n_estimators=5, random_state=1)
    forest.fit(*datasets.load_breast_cancer(return_X_y=True))
    other = loaded_as(registry, "cancer_rf", "cancer_rf_v2", forest)
    explained(explainers.explain(other, rows[0]))
    assert calls == [loaded.meta.sha256, other.meta.sha256]


def test_threads_explaining_at_once_get_the_same_answers(registry: ModelRegistry) -> None:
    explainers = Explainers()
    loaded = registry.load("wine_gb")
    rows = rows_of("wine_gb", 6)
    expected = [Explainers().explain(loaded, row) for row in rows]
    results: dict[int, list[Any]] = {}

    def work(n: int) -> None:
        results[n] = [explainers.explain(loaded, row) for row in rows]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [results[n] for n in range(4)] == [expected] * 4


def test_reasons_name_the_inputs_that_pushed_the_answer_and_whether_they_are_high(
    registry: ModelRegistry,
) -> None:
    loaded = registry.load("cancer_rf")
    meta = loaded.meta
    examples = {f.name: float(f.example) for f in meta.features}
    for row in rows_of("cancer_rf", 6):
        result = explained(Explainers().explain(loaded, row))
        found = reasons(result, meta)
        assert 1 <= len(found) <= 2
        towards = [c for c in result.contributions if c.contribution > 0]  # towards the predicted class
        assert [r.feature for r in found] == [c.feature for c in towards[: len(found)]]
        for r in found:
            typical = examples[r.feature]
            assert r.level == ("high" if r.value > typical else "low" if r.value < typical else "typical")


def test_a_category_reason_carries_its_label(registry: ModelRegistry) -> None:
    loaded = registry.load("diabetes_rf")
    meta = loaded.meta
    sex = [f.name for f in meta.features].index("sex")
    seen = 0
    for row in rows_of("diabetes_rf", 12)[:12]:  # the data set's own rows: sex is 1 or 2
        result = explained(Explainers().explain(loaded, row))
        found = reasons(result, meta, count=10, share=0)
        direction = 1 if result.output_value >= result.base_value else -1
        assert all(r.contribution * direction > 0 for r in found)
        for r in found:
            if r.feature == "sex":
                assert r.category == {1.0: "1", 2.0: "2"}[row[sex]] and r.level == "typical"
                seen += 1
    assert seen
