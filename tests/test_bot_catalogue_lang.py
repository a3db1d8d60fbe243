"""The catalogue, the input dialog and the result in the user's language, in plain words: built-in
models' words in English and Russian, uploads' own words, step buttons bound to their question,
category buttons, translated validation, failures without internals."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import Services
from bot.i18n import I18n
from bot.render import failure_text
from db.models import ModelVersion
from ml import formats
from ml.builtin_texts import WORDS
from ml.schema import ModelMeta
from ml.train import read_built, read_catalogue
from ml.upload import UploadError
from services.catalogue import register_builtins
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import registered
from tests.helpers import balance_of
from tests.models_for_tests import TINY_TREE_META, Exploding, tiny_tree
from tests.models_for_tests import install_model as add_model

LATIN = re.compile(r"[A-Za-z]")
TITLES = {
    "en": {
        "iris_logreg": "Iris species",
        "cancer_rf": "Breast cancer diagnosis",
        "wine_gb": "Wine cultivar",
        "diabetes_rf": "Diabetes progression",
    },
    "ru": {
        "iris_logreg": "Вид ириса",
        "cancer_rf": "Диагностика рака молочной железы",
        "wine_gb": "Сорт вина",
        "diabetes_rf": "Течение диабета",
    },
}
START = {"en": "Enter inputs", "ru": "Ввести параметры"}
EXAMPLE = {"en": "Use example", "ru": "Подставить пример"}
CONFIRM = {"en": "Confirm", "ru": "Подтвердить"}


def person(lang: str, n: int = 0) -> TgUser:
    return TgUser(7100 + n + (50 if lang == "ru" else 0), f"{lang}_user{n}", language_code=lang)


async def dialog_data(harness: Harness, tg: TgUser) -> dict[str, Any]:
    state = harness.dp.fsm.get_context(bot=harness.bot, chat_id=tg.id, user_id=tg.id)
    return await state.get_data()


def builtins(models_dir: Path) -> dict[str, ModelMeta]:
    built = read_built(models_dir, list(read_catalogue(models_dir)))
    return {name: meta for name, (meta, _) in built.items()}


# -- the built-in models' words -------------------------------------------------------------------


def test_builtins_have_every_word_in_english_and_russian(models_dir: Path) -> None:
    metas = builtins(models_dir)
    assert set(metas) == set(WORDS) == {"iris_logreg", "cancer_rf", "wine_gb", "diabetes_rf"}
    for name, meta in metas.items():
        for lang in ("en", "ru"):
            text = meta.texts[lang]
            assert text.title == TITLES[lang][name] and text.description
            assert set(text.features) == set(meta.feature_names)
            for f in meta.features:
                words = text.features[f.name]
                assert words.label and words.description
                assert set(words.categories) == set(f.categories or {})
            assert set(text.classes) == set(meta.class_names)
            if lang == "ru":  # no English in Russian (units and numbers are not Latin words here)
                everything = [text.title, text.description, *text.classes.values()]
                for words in text.features.values():
                    everything += [words.label, words.description, *words.categories.values()]
                latin = [w for w in everything if w and LATIN.search(w)]
                assert latin == [], (name, latin)
            else:  # human English labels, not the dataset's names
                for f in meta.features:
                    assert "_" not in (text.features[f.name].label or "")
    assert metas["iris_logreg"].class_label("setosa", "ru") == "Ирис щетинистый"
    assert metas["cancer_rf"].class_label("malignant", "ru") == "Злокачественная опухоль"
    assert metas["wine_gb"].feature_label("malic_acid", "en") == "Malic acid, g/l"
    assert metas["wine_gb"].feature_label("malic_acid", "ru") == "Яблочная кислота, г/л"
    assert {n for n, m in metas.items() if m.medical} == {"cancer_rf", "diabetes_rf"}


def test_a_language_without_words_falls_back_to_english_and_readable_names(models_dir: Path) -> None:
    wine = builtins(models_dir)["wine_gb"]
    assert wine.title_in("de") == "Wine cultivar"
    assert wine.feature_label("malic_acid", "de") == "Malic acid, g/l"
    bare = wine.model_copy(update={"texts": {}})
    assert bare.feature_label("malic_acid", "ru") == "Malic acid"  # not "malic_acid"
    assert bare.class_label("class_0", "ru") == "class_0"


async def test_words_reach_a_deployment_that_stored_the_builtins_before_them(
    services: Services, models_dir: Path
) -> None:
    """Titles and labels are not trained: a built-in version stored without them gets them at the
    next start, and keeps its version."""
    async with services.session_factory() as s, s.begin():
        version = await s.scalar(select(ModelVersion).where(ModelVersion.created_by == "built-in").limit(1))
        assert version is not None
        old = {k: v for k, v in version.meta.items() if k not in ("texts", "medical")}
        old["title"] = "Old title"
        await s.execute(update(ModelVersion).where(ModelVersion.id == version.id).values(meta=old))
        version_id, name = version.id, version.meta["name"]
    built = read_built(models_dir, list(read_catalogue(models_dir)))
    assert await register_builtins(services.session_factory, built, read_catalogue(models_dir)) == []
    async with services.session_factory() as s:
        stored = await s.scalar(select(ModelVersion).where(ModelVersion.id == version_id))
    assert stored is not None
    assert stored.meta["texts"]["ru"]["title"] == TITLES["ru"][name]
    assert stored.meta["title"] == TITLES["en"][name]


# -- every screen in the user's language ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_catalogue_card_steps_confirmation_and_result_speak_the_users_language(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = person(lang)
    await registered(services, tg)
    r = await harness.send(tg, "/predict")
    assert [b.split(" · ")[0] for b in r.buttons()[:4]] == [
        TITLES[lang][n] for n in ("iris_logreg", "diabetes_rf", "wine_gb", "cancer_rf")
    ]
    card = await harness.press(tg, TITLES[lang]["wine_gb"])
    if lang == "ru":
        assert "Яблочная кислота, г/л — число от" in card.text and "Параметры (13)" in card.text
        assert "примерно в 9" in card.text and "случаях из 100" in card.text
    else:
        assert "Malic acid, g/l — a number from" in card.text and "What to enter (13)" in card.text
        assert "right about 9" in card.text and "times in 100" in card.text
    for internal in ("malic_acid", "GradientBoosting", "accuracy", "R²", "held-out", "class_"):
        assert internal not in card.text
    assert "medical" not in card.text and "медицин" not in card.text
    # the example on the card, pasted as it is shown, is taken
    example = re.search(r"<code>([^<]+)</code>", card.text)
    assert example is not None
    if lang == "ru":
        assert "; " in example.group(1) and "," in example.group(1)  # decimal commas, semicolons
    step = await harness.press(tg, START[lang])
    assert ("1/13. Алкоголь, % об." if lang == "ru" else "1/13. Alcohol, % vol") in step.text
    confirm = await harness.send(tg, example.group(1))
    expected = "• Яблочная кислота, г/л: <b>" if lang == "ru" else "• Malic acid, g/l: <b>"
    assert expected in confirm.text and "malic_acid" not in confirm.text
    if lang == "ru":  # not one English word on these screens, nor on their buttons
        for screen in (card, step, confirm):
            assert not LATIN.search(re.sub(r"<[^>]+>", "", screen.text)), screen.text
            assert not [b for b in screen.buttons() if LATIN.search(b.replace("CSV", ""))]
    result = (await harness.press(tg, CONFIRM[lang])).texts[-1]
    label = "Прогноз: <b>Сорт " if lang == "ru" else "Prediction: <b>Cultivar "
    assert label in result and "class_" not in result
    if lang == "ru":
        assert re.search(r"\d+,\d%", result) or "0%" in result  # percentages with a decimal comma
        assert not LATIN.search(re.sub(r"<[^>]+>", "", result))


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_medical_note_is_on_the_medical_models_only(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = person(lang, 1)
    await registered(services, tg)
    note = "This is not medical advice" if lang == "en" else "Это не медицинская консультация"
    for name, title in TITLES[lang].items():
        await harness.send(tg, "/predict")
        card = await harness.press(tg, title)
        assert (note in card.text) == (name in {"cancer_rf", "diabetes_rf"}), (name, card.text)
        if name == "diabetes_rf":
            within = "обычно ошибается не больше чем на ±43" if lang == "ru" else "usually within ±43"
            assert within in card.text and "R²" not in card.text and "Random" not in card.text


# -- step buttons belong to their question ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_button_of_an_earlier_step_is_refused_and_fills_nothing(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = person(lang, 2)
    await registered(services, tg)
    await harness.send(tg, "/predict")
    await harness.press(tg, TITLES[lang]["iris_logreg"])
    await harness.press(tg, START[lang])
    stale_example = harness.press_update(tg, EXAMPLE[lang])  # "5.8", for sepal length (step 1)
    await harness.send(tg, "5,1")
    stale_back = harness.press_update(tg, "◀")  # step 2's Back
    await harness.send(tg, "3,5")  # now at step 3 (petal length)
    for stale in (stale_example, stale_back):
        r = await harness.feed(stale)
        assert r.texts == []
        refused = "earlier question" if lang == "en" else "предыдущему вопросу"
        assert any(refused in a for a in r.alerts), r.alerts
    data = await dialog_data(harness, tg)
    assert data["index"] == 2 and data["values"] == {"sepal_length": 5.1, "sepal_width": 3.5}
    r = await harness.press(tg, EXAMPLE[lang])  # this step's own button
    assert "4/4." in r.text
    data = await dialog_data(harness, tg)
    assert data["index"] == 3 and data["values"]["petal_length"] == 4.35


async def test_a_step_button_of_another_models_dialog_is_refused(
    harness: Harness, services: Services
) -> None:
    tg = person("en", 3)
    await registered(services, tg)
    await harness.send(tg, "/predict")
    await harness.press(tg, "Wine")
    await harness.press(tg, "Enter inputs")
    wine_example = harness.press_update(tg, "Use example")  # wine's step 1
    await harness.send(tg, "/predict")
    await harness.press(tg, "Iris")
    await harness.press(tg, "Enter inputs")  # iris, step 1 too
    r = await harness.feed(wine_example)
    assert any("earlier question" in a for a in r.alerts)
    assert (await dialog_data(harness, tg))["values"] == {}


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_categories_are_buttons_in_the_users_language_and_can_be_typed(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = person(lang, 4)
    await registered(services, tg)
    await harness.send(tg, "/predict")
    await harness.press(tg, TITLES[lang]["diabetes_rf"])
    await harness.press(tg, START[lang])
    r = await harness.send(tg, "50")
    groups = ["Группа 1", "Группа 2"] if lang == "ru" else ["Group 1", "Group 2"]
    assert ("2/10. Пол" if lang == "ru" else "2/10. Sex") in r.text
    assert r.buttons()[:2] == groups and not any(EXAMPLE[lang] in b for b in r.buttons())
    stale = harness.press_update(tg, groups[0])
    r = await harness.press(tg, groups[1])
    assert "3/10." in r.text
    assert (await dialog_data(harness, tg))["values"] == {"age": 50.0, "sex": "2"}
    r = await harness.feed(stale)  # the other category, pressed late: refused
    assert r.alerts and r.texts == []
    assert (await dialog_data(harness, tg))["values"]["sex"] == "2"
    # typed: the label in either language, or the code itself
    await harness.press(tg, "◀")
    r = await harness.send(tg, "группа 1" if lang == "ru" else "group 1")
    assert "3/10." in r.text and (await dialog_data(harness, tg))["values"]["sex"] == "1"
    await harness.press(tg, "◀")
    r = await harness.send(tg, "три")
    assert ("варианта «три» нет" if lang == "ru" else "there is no option “три”") in r.text
    assert r.buttons()[:2] == groups  # the question stays, with its buttons


# -- validation and failures in plain words --------------------------------------------------------


async def test_a_bad_value_is_explained_in_russian_with_the_inputs_label(
    harness: Harness, services: Services
) -> None:
    tg = person("ru", 5)
    await registered(services, tg)
    await harness.send(tg, "/predict")
    await harness.press(tg, "Вид ириса")
    await harness.press(tg, "Ввести параметры")
    r = await harness.send(tg, "<b>abc</b>" + "x" * 200)
    [text] = r.texts
    assert text.startswith("⚠️ <b>Длина чашелистика, см</b>: неверное значение «&lt;b&gt;abc&lt;/b&gt;xxx")
    assert "…», нужно число от 2,5 до 9,7." in text and len(text) < 300  # echoed short and escaped
    r = await harness.send(tg, "12,5")
    assert "значение 12,5 вне допустимых пределов, нужно число от 2,5 до 9,7." in r.text
    r = await harness.send(tg, "1e300")  # more digits than ten decimals take
    assert "значение 1e+300 вне допустимых пределов" in r.text
    await harness.send(tg, "/predict")
    await harness.press(tg, "Течение диабета")
    await harness.press(tg, "Ввести параметры")
    r = await harness.send(tg, "50,5")
    assert "<b>Возраст, лет</b>: 50,5 — не целое число, нужно целое число от 0 до 109." in r.text


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_failed_run_says_so_in_plain_words_without_the_exception(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = person(lang, 6)
    uid = await registered(services, tg)
    await add_model(services, "exploding", Exploding(), cost=2)
    await harness.send(tg, "/predict")
    await harness.press(tg, "exploding")
    await harness.press(tg, START[lang])
    await harness.send(tg, "3")
    text = (await harness.press(tg, CONFIRM[lang])).texts[-1]
    plain = "Модель не смогла обработать эти значения." if lang == "ru" else "could not process these inputs"
    returned = "Кредиты возвращены" if lang == "ru" else "credits were returned"
    assert plain in text and returned in text
    for internal in ("ValueError", "boom", "Error", "Traceback"):
        assert internal not in text
    assert await balance_of(services.session_factory, uid) == Decimal("10")


def test_failure_reasons_are_sentences_never_the_stored_error() -> None:
    i18n = I18n()
    for lang in ("en", "ru"):
        t = i18n.translator(lang)
        for stored in ("ValueError: boom", "KeyError: 110", None, "internal error"):
            assert failure_text(t, stored) == t("failed_model")
        assert failure_text(t, "model m took longer than 30s") == t("failed_timeout")
        assert failure_text(t, "interrupted; not re-run: x") == t("failed_interrupted")


# -- uploads bring their own words ------------------------------------------------------------------

UPLOAD_TEXTS = {
    "ru": {
        "title": "Крошечное дерево",
        "description": "Проверочная модель",
        "features": {"a": {"label": "Первый признак"}, "b": {"label": "Второй признак"}},
        "classes": {"no": "нет", "yes": "да"},
    }
}


async def test_an_upload_with_russian_words_shows_them_and_english_elsewhere(
    harness: Harness, services: Services
) -> None:
    spec = {**TINY_TREE_META, "texts": UPLOAD_TEXTS}
    await services.catalogue.install_upload(formats.dumps(tiny_tree()), json.dumps(spec), False, "admin")
    ru, en = person("ru", 7), person("en", 7)
    for tg in (ru, en):
        await registered(services, tg)
    await harness.send(ru, "/predict")
    card = await harness.press(ru, "Крошечное дерево")
    assert "Проверочная модель" in card.text and "• Первый признак — число от 0 до 1" in card.text
    await harness.press(ru, "Ввести параметры")
    await harness.send(ru, "1; 1")
    r = await harness.press(ru, "Подтвердить")
    assert "Прогноз: <b>да</b>" in r.texts[-1]
    await harness.send(en, "/predict")
    card = await harness.press(en, "Tiny tree")
    assert "A test upload" in card.text and "• A — a number from 0 to 1" in card.text


@pytest.mark.parametrize(
    ("texts", "reason"),
    [
        ({"russian": {"title": "x"}}, "language code"),
        ({"ru": {"features": {"zzz": {"label": "x"}}}}, "no input named"),
        ({"ru": {"classes": {"maybe": "может быть"}}}, "no class"),
        ({"ru": {"title": ""}}, "texts.ru.title"),
        ({"ru": {"classes": {"yes": "д" * 61}}}, "class label"),
    ],
)
async def test_an_upload_with_words_that_do_not_fit_it_is_refused(
    services: Services, texts: dict[str, Any], reason: str
) -> None:
    spec = {**TINY_TREE_META, "texts": texts}
    with pytest.raises(UploadError) as err:
        await services.catalogue.install_upload(formats.dumps(tiny_tree()), json.dumps(spec), False, "admin")
    assert err.value.code == "bad_meta" and reason in err.value.detail


def test_a_validation_reason_as_plain_text_for_a_results_file(models_dir: Path) -> None:
    from bot.render import input_error_plain
    from ml.inputs import InputError, parse_value

    iris = builtins(models_dir)["iris_logreg"]
    with pytest.raises(InputError) as err:
        parse_value(iris.features[0], "<abc>")
    t = I18n().translator("ru")
    assert input_error_plain(t, err.value, iris) == (
        "Длина чашелистика, см: неверное значение «<abc>», нужно число от 2,5 до 9,7."
    )
    assert "not_a_number" in str(err.value) and "неверное" not in str(err.value)  # logs get the code


def test_input_columns_are_explained_in_the_users_language(models_dir: Path) -> None:
    from bot.render import input_columns_text

    wine = builtins(models_dir)["wine_gb"]
    text = input_columns_text(I18n().translator("ru"), wine)
    assert "• <code>malic_acid</code> — Яблочная кислота, г/л" in text and "… и ещё 1" in text
    assert "• <code>alcohol</code> — Alcohol, % vol" in input_columns_text(I18n().translator("en"), wine)


def test_a_category_with_too_many_options_for_buttons_is_typed() -> None:
    from bot.keyboards import MAX_CHOICES, step_kb
    from bot.render import step_text
    from ml.schema import Feature

    kinds = {f"kind_{i:02}": float(i) for i in range(MAX_CHOICES + 1)}
    kind = Feature(name="kind", description="Kind", type="category", categories=kinds, example="kind_00")
    meta = ModelMeta(
        name="many_kinds", title="Many kinds", description="d", task="regression", algorithm="a",
        features=[kind], file="many_kinds.skops", sha256="0" * 64,
    )  # fmt: skip
    t = I18n().translator("ru")
    text = step_text(t, meta, 0)
    assert "Нужно: одно из: kind_00, kind_01" in text and "Пример: <code>kind_00</code>" in text
    assert [b.text for row in step_kb(t, meta, 0).inline_keyboard for b in row] == ["✖ Отмена"]


def test_measurements_are_written_as_the_language_writes_them_and_can_be_typed_back() -> None:
    en, ru = I18n().translator("en"), I18n().translator("ru")
    assert [en.decimal(v) for v in (4.35, 1680.0, 0.1 + 0.2, 1e-7, -3)] == [
        "4.35",
        "1680",
        "0.3",
        "0.0000001",
        "-3",
    ]
    assert [ru.decimal(v) for v in (4.35, 1680.0, 0.1 + 0.2, 1e-7)] == ["4,35", "1680", "0,3", "0,0000001"]
    assert [en.decimal(1.5e300), ru.decimal(-1.5e20)] == ["1.5e+300", "-1,5e+20"]  # typed by someone
