"""Input parsing and validation: every bad input class gets a message naming the feature."""

from __future__ import annotations

import pytest

from ml.inputs import InputError, encode, from_mapping, parse_all, parse_value
from ml.schema import Feature

SEPAL = Feature(name="sepal_length", description="Sepal length, cm", min=0, max=10, example=5.8)
WIDTH = Feature(name="sepal_width", description="Sepal width, cm", min=0, max=6, example=3.0)
AGE = Feature(name="age", description="Age, years", type="int", min=0, max=120, example=50)
SEX = Feature(
    name="sex", description="Sex", type="category", categories={"male": 1.0, "female": 2.0}, example="male"
)
FEATURES = [SEPAL, WIDTH, AGE, SEX]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.1", 5.1),
        ("5,1", 5.1),
        (" 7 ", 7.0),
        ("-0", 0.0),
        ("1e0", 1.0),
        (".5", 0.5),
        ("\u22120", 0.0),
        ("+3.25", 3.25),
    ],
)
def test_single_numbers(text: str, expected: float) -> None:
    assert parse_value(SEPAL, text) == expected


@pytest.mark.parametrize(
    ("feature", "text", "code"),
    [
        (SEPAL, "abc", "not_a_number"),
        (SEPAL, "5.1.2", "not_a_number"),
        (SEPAL, "5,1,2", "not_a_number"),
        (SEPAL, "1_0", "not_a_number"),
        (SEPAL, "0x10", "not_a_number"),
        (SEPAL, "5 1", "not_a_number"),
        (SEPAL, "", "empty"),
        (SEPAL, "   ", "empty"),
        (SEPAL, "nan", "not_finite"),
        (SEPAL, "NaN", "not_finite"),
        (SEPAL, "inf", "not_finite"),
        (SEPAL, "-Infinity", "not_finite"),
        (SEPAL, "1e999", "not_finite"),
        (SEPAL, "10.01", "out_of_range"),
        (SEPAL, "-1", "out_of_range"),
        (AGE, "30.5", "not_integer"),
        (AGE, "121", "out_of_range"),
        (SEX, "other", "unknown_category"),
    ],
)
def test_bad_single_values_name_the_feature(feature: Feature, text: str, code: str) -> None:
    with pytest.raises(InputError) as err:
        parse_value(feature, text)
    assert err.value.code == code
    assert err.value.feature == feature.name
    assert feature.name in str(err.value)


def test_out_of_range_message_says_what_is_expected() -> None:
    with pytest.raises(InputError) as err:
        parse_value(SEPAL, "12")
    assert err.value.params == {"value": 12.0, "min": 0, "max": 10}
    assert err.value.code in str(err.value)  # for logs: a code and parameters, no sentence


def test_category_is_case_insensitive_and_encoded() -> None:
    assert parse_value(SEX, " FEMALE ") == "female"
    assert encode([SEX], {"sex": "female"}) == [2.0]


@pytest.mark.parametrize(
    "text",
    [
        "5.1, 3.5, 40, male",
        "5.1,3.5,40,male",
        "5.1 3.5 40 male",
        "5,1 3,5 40 male",
        "5,1; 3,5; 40; male",
        "5.1\n3.5\n40\nmale",
        "5,1, 3,5, 40, male",
        "sepal_length=5.1 sepal_width=3.5 age=40 sex=male",
        "sex=male; age=40; sepal_width=3,5; sepal_length=5,1",
        "Sepal_Length = 5.1, sepal-width = 3.5, age = 40, sex = Male",
    ],
)
def test_all_values_at_once(text: str) -> None:
    values = parse_all(FEATURES, text)
    assert values == {"sepal_length": 5.1, "sepal_width": 3.5, "age": 40.0, "sex": "male"}
    assert encode(FEATURES, values) == [5.1, 3.5, 40.0, 1.0]


@pytest.mark.parametrize(
    ("text", "code", "feature"),
    [
        ("5.1, 3.5, 40", "wrong_count", None),
        ("5.1 3.5 40 male 1", "wrong_count", None),
        ("5,1 3,5 40", "wrong_count", None),
        ("5.1, x, 40, male", "not_a_number", "sepal_width"),
        ("5.1, 3.5, 40, alien", "unknown_category", "sex"),
        ("5.1, 3.5, nan, male", "not_finite", "age"),
        ("5.1, 30, 40, male", "out_of_range", "sepal_width"),
        ("sepal_length=5.1 sepal_width=3.5 age=40", "missing_features", None),
        ("sepal_length=5.1 sepal_width=3.5 age=40 sex=male colour=red", "unknown_feature", "colour"),
        (
            "sepal_length=5.1 sepal_length=5.2 sepal_width=3.5 age=40 sex=male",
            "duplicate_feature",
            "sepal_length",
        ),
        ("sepal_length=5.1 sepal_width= age=40 sex=male", "empty", "sepal_width"),
        ("hello sepal_length=5.1", "bad_pairs", None),
        ("", "empty", None),
        ("1 " * 3000, "too_long", None),
    ],
)
def test_bad_batches(text: str, code: str, feature: str | None) -> None:
    with pytest.raises(InputError) as err:
        parse_all(FEATURES, text)
    assert err.value.code == code
    assert err.value.feature == feature


def test_wrong_count_says_how_many() -> None:
    with pytest.raises(InputError) as err:
        parse_all(FEATURES, "1, 2, 3")
    assert err.value.params == {"expected": 4, "got": 3}
    assert str(err.value) == "wrong_count (expected=4, got=3)"


def test_missing_features_are_listed() -> None:
    with pytest.raises(InputError) as err:
        parse_all(FEATURES, "sepal_length=5 age=3")
    assert err.value.params["missing"] == ["sepal_width", "sex"]


def test_from_mapping_validates_like_text() -> None:
    row = {"sepal_length": "5,5", "sepal_width": 3, "age": "41", "sex": "female"}
    assert from_mapping(FEATURES, row) == {
        "sepal_length": 5.5,
        "sepal_width": 3.0,
        "age": 41.0,
        "sex": "female",
    }
    with pytest.raises(InputError) as err:
        from_mapping(FEATURES, {**row, "age": float("nan")})
    assert err.value.code == "not_finite"
    with pytest.raises(InputError) as err:
        from_mapping(FEATURES, {"sepal_length": 1})
    assert err.value.code == "missing_features"


def test_schema_rejects_inconsistent_features() -> None:
    with pytest.raises(ValueError):
        Feature(name="x", description="x", min=5, max=1, example=1)
    with pytest.raises(ValueError):
        Feature(name="x", description="x", type="category", categories={"a": 1}, example="b")
    with pytest.raises(ValueError):
        Feature(name="bad name", description="x", example=1)


@pytest.mark.parametrize(
    ("index", "text", "expected"),
    [
        (0, "5,1", {"sepal_length": 5.1}),
        (1, "3.5", {"sepal_width": 3.5}),
        (3, "female", {"sex": "female"}),
        (2, "5.1, 3.5, 40, male", {"sepal_length": 5.1, "sepal_width": 3.5, "age": 40.0, "sex": "male"}),
        (0, "5.1,3.5,40,male", {"sepal_length": 5.1, "sepal_width": 3.5, "age": 40.0, "sex": "male"}),
        (
            1,
            "age=40 sex=male sepal_width=1 sepal_length=2",
            {"sepal_length": 2.0, "sepal_width": 1.0, "age": 40.0, "sex": "male"},
        ),
    ],
)
def test_parse_step_takes_one_value_or_all(index: int, text: str, expected: dict[str, object]) -> None:
    from ml.inputs import parse_step

    assert parse_step(FEATURES, index, text) == expected


@pytest.mark.parametrize(
    ("index", "text", "code"),
    [
        (0, "5 1", "wrong_count"),
        (0, "abc", "not_a_number"),
        (2, "2.5", "not_integer"),
        (0, "5.1,3.5", "wrong_count"),
    ],
)
def test_parse_step_errors(index: int, text: str, code: str) -> None:
    from ml.inputs import parse_step

    with pytest.raises(InputError) as err:
        parse_step(FEATURES, index, text)
    assert err.value.code == code
