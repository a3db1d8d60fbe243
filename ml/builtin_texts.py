"""The built-in models' words for people, in English and Russian: titles, descriptions, each
input's label and description, category and class labels.

They are not trained: `ml.train` writes them into each model's metadata, and applies them again
to metadata read back from disk or stored in the database (`apply_words`), so that a model built
before a text was written or corrected speaks it without being trained again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ml.schema import FeatureText, ModelMeta, ModelText

LANGS = ("en", "ru")


@dataclass(frozen=True)
class Words:
    """One model's words: texts per language (English first) and whether it is about health."""

    texts: dict[str, ModelText]
    medical: bool = False


def _inputs(rows: dict[str, tuple[str, str, str, str]]) -> dict[str, dict[str, FeatureText]]:
    """name -> (English label, English description, Russian label, Russian description)."""
    return {
        "en": {name: FeatureText(label=r[0], description=r[1]) for name, r in rows.items()},
        "ru": {name: FeatureText(label=r[2], description=r[3]) for name, r in rows.items()},
    }


# -- iris -------------------------------------------------------------------------------------
_IRIS = _inputs(
    {
        "sepal_length": (
            "Sepal length, cm",
            "Length of a sepal (the green, leaf-like outer part of the flower), in centimetres.",
            "Длина чашелистика, см",
            "Длина чашелистика (зелёного наружного листочка цветка), в сантиметрах.",
        ),
        "sepal_width": (
            "Sepal width, cm",
            "Width of a sepal at its widest, in centimetres.",
            "Ширина чашелистика, см",
            "Ширина чашелистика в самом широком месте, в сантиметрах.",
        ),
        "petal_length": (
            "Petal length, cm",
            "Length of a petal, in centimetres.",
            "Длина лепестка, см",
            "Длина лепестка, в сантиметрах.",
        ),
        "petal_width": (
            "Petal width, cm",
            "Width of a petal at its widest, in centimetres.",
            "Ширина лепестка, см",
            "Ширина лепестка в самом широком месте, в сантиметрах.",
        ),
    }
)
IRIS = Words(
    texts={
        "en": ModelText(
            title="Iris species",
            description="Tells which of three species an iris flower belongs to (Iris setosa, "
            "Iris versicolor or Iris virginica) from four measurements of its sepals and petals.",
            features=_IRIS["en"],
            classes={"setosa": "Iris setosa", "versicolor": "Iris versicolor", "virginica": "Iris virginica"},
        ),
        "ru": ModelText(
            title="Вид ириса",
            description="Определяет, к какому из трёх видов относится цветок ириса (ирис "
            "щетинистый, ирис разноцветный или ирис виргинский), по четырём измерениям его "
            "чашелистиков и лепестков.",
            features=_IRIS["ru"],
            classes={
                "setosa": "Ирис щетинистый",
                "versicolor": "Ирис разноцветный",
                "virginica": "Ирис виргинский",
            },
        ),
    }
)

# -- breast cancer: ten measurements of the cell nuclei, each as a mean, a standard error and
# the worst (mean of the three largest) over the nuclei in the image -------------------------
_NUCLEUS = {
    "radius": (
        "Radius",
        "distance from the centre to the edge of a nucleus",
        "Радиус",
        "расстояние от центра ядра до его края",
    ),
    "texture": (
        "Texture",
        "spread of grey levels in the image",
        "Текстура",
        "разброс оттенков серого на снимке",
    ),
    "perimeter": ("Perimeter", "length of a nucleus's outline", "Периметр", "длина контура ядра"),
    "area": ("Area", "area of a nucleus", "Площадь", "площадь ядра"),
    "smoothness": (
        "Smoothness",
        "how much the radius varies along the outline",
        "Гладкость",
        "насколько меняется радиус вдоль контура",
    ),
    "compactness": (
        "Compactness",
        "perimeter² / area − 1",
        "Компактность",
        "периметр² / площадь − 1",
    ),
    "concavity": (
        "Concavity",
        "how deep the inward dents of the outline are",
        "Вогнутость",
        "глубина вогнутых участков контура",
    ),
    "concave_points": (
        "Concave points",
        "how many inward dents the outline has",
        "Вогнутые точки",
        "число вогнутых участков контура",
    ),
    "symmetry": ("Symmetry", "symmetry of a nucleus", "Симметрия", "симметричность ядра"),
    "fractal_dimension": (
        "Fractal dimension",
        "how ragged the outline is",
        "Фрактальная размерность",
        "насколько изрезан контур",
    ),
}
_KINDS = {
    # the dataset's name for it: (name pattern, English label, English lead, Russian label, Russian lead)
    "mean": (
        "mean_{}",
        "{}, mean",
        "Mean over the nuclei in the image",
        "{}, среднее",
        "Среднее по ядрам на снимке",
    ),
    "error": (
        "{}_error",
        "{}, standard error",
        "Standard error over the nuclei in the image",
        "{}, стандартная ошибка",
        "Стандартная ошибка по ядрам на снимке",
    ),
    "worst": (
        "worst_{}",
        "{}, worst",
        "Mean of the three largest values in the image",
        "{}, наихудшее",
        "Среднее трёх наибольших значений на снимке",
    ),
}
_CANCER = _inputs(
    {
        pattern.format(base): (
            en_label.format(en),
            f"{en_lead}: {en_what}.",
            ru_label.format(ru),
            f"{ru_lead}: {ru_what}.",
        )
        for pattern, en_label, en_lead, ru_label, ru_lead in _KINDS.values()
        for base, (en, en_what, ru, ru_what) in _NUCLEUS.items()
    }
)
CANCER = Words(
    medical=True,
    texts={
        "en": ModelText(
            title="Breast cancer diagnosis",
            description="Says whether a breast mass is malignant or benign from 30 measurements of "
            "cell nuclei in an image of a fine-needle biopsy (the Wisconsin diagnostic dataset).",
            features=_CANCER["en"],
            classes={"malignant": "Malignant", "benign": "Benign"},
        ),
        "ru": ModelText(
            title="Диагностика рака молочной железы",
            description="Определяет, злокачественное или доброкачественное образование в молочной "
            "железе, по 30 характеристикам клеточных ядер на снимке тонкоигольной биопсии "
            "(висконсинский диагностический набор данных).",
            features=_CANCER["ru"],
            classes={"malignant": "Злокачественная опухоль", "benign": "Доброкачественная опухоль"},
        ),
    },
)

# -- wine -------------------------------------------------------------------------------------
_WINE = _inputs(
    {
        "alcohol": (
            "Alcohol, % vol",
            "Alcohol content by volume.",
            "Алкоголь, % об.",
            "Содержание спирта по объёму.",
        ),
        "malic_acid": (
            "Malic acid, g/l",
            "Malic acid content.",
            "Яблочная кислота, г/л",
            "Содержание яблочной кислоты.",
        ),
        "ash": (
            "Ash, g/l",
            "What is left after the wine is burnt.",
            "Зола, г/л",
            "Остаток после сжигания вина.",
        ),
        "alcalinity_of_ash": (
            "Alkalinity of ash",
            "How alkaline the ash is.",
            "Щёлочность золы",
            "Насколько щелочная зола.",
        ),
        "magnesium": ("Magnesium, mg/l", "Magnesium content.", "Магний, мг/л", "Содержание магния."),
        "total_phenols": (
            "Total phenols",
            "All phenolic compounds (they give taste and colour).",
            "Фенолы, всего",
            "Все фенольные соединения (от них зависят вкус и цвет).",
        ),
        "flavanoids": ("Flavanoids", "Flavanoid phenols.", "Флаваноиды", "Фенолы-флаваноиды."),
        "nonflavanoid_phenols": (
            "Non-flavanoid phenols",
            "Phenols other than flavanoids.",
            "Нефлаваноидные фенолы",
            "Фенолы, кроме флаваноидов.",
        ),
        "proanthocyanins": (
            "Proanthocyanins",
            "Tannins that make a wine astringent.",
            "Проантоцианидины",
            "Дубильные вещества, от которых вино вяжет.",
        ),
        "color_intensity": (
            "Colour intensity",
            "How deep the colour is.",
            "Интенсивность цвета",
            "Насколько насыщенный цвет.",
        ),
        "hue": ("Hue", "The shade of the colour.", "Оттенок", "Оттенок цвета."),
        "od280_od315_of_diluted_wines": (
            "Light absorbance ratio 280/315 nm",
            "Ratio of light absorbed by the diluted wine at 280 and 315 nm (a sign of its protein content).",
            "Поглощение света 280/315 нм",
            "Отношение поглощения света разбавленным вином на 280 и 315 нм (говорит о содержании белков).",
        ),
        "proline": (
            "Proline, mg/l",
            "Proline (an amino acid) content.",
            "Пролин, мг/л",
            "Содержание пролина (аминокислоты).",
        ),
    }
)
WINE = Words(
    texts={
        "en": ModelText(
            title="Wine cultivar",
            description="Tells which of three grape cultivars from one region of Italy a wine was "
            "made from, using 13 results of its chemical analysis.",
            features=_WINE["en"],
            classes={
                "class_0": "Cultivar 1 (Barolo)",
                "class_1": "Cultivar 2 (Grignolino)",
                "class_2": "Cultivar 3 (Barbera)",
            },
        ),
        "ru": ModelText(
            title="Сорт вина",
            description="Определяет, из какого из трёх сортов винограда одного региона Италии "
            "сделано вино, по 13 показателям его химического анализа.",
            features=_WINE["ru"],
            classes={
                "class_0": "Сорт 1 (Бароло)",
                "class_1": "Сорт 2 (Гриньолино)",
                "class_2": "Сорт 3 (Барбера)",
            },
        ),
    }
)

# -- diabetes ---------------------------------------------------------------------------------
_DIABETES = _inputs(
    {
        "age": ("Age, years", "Age in full years.", "Возраст, лет", "Полных лет."),
        "sex": (
            "Sex",
            "Sex as the study coded it: group 1 or group 2 (the study does not say which is which).",
            "Пол",
            "Пол, как его закодировали в исследовании: группа 1 или группа 2 (какая из них "
            "какая, в исследовании не сказано).",
        ),
        "bmi": (
            "Body mass index, kg/m²",
            "Weight in kilograms divided by the square of height in metres.",
            "Индекс массы тела, кг/м²",
            "Вес в килограммах, делённый на квадрат роста в метрах.",
        ),
        "bp": (
            "Average blood pressure, mm Hg",
            "Mean arterial blood pressure.",
            "Среднее давление, мм рт. ст.",
            "Среднее артериальное давление.",
        ),
        "s1": (
            "Total cholesterol, mg/dl",
            "Total serum cholesterol.",
            "Общий холестерин, мг/дл",
            "Общий холестерин в сыворотке крови.",
        ),
        "s2": (
            "LDL cholesterol, mg/dl",
            "Low-density lipoproteins (“bad” cholesterol).",
            "Холестерин ЛПНП, мг/дл",
            "Липопротеины низкой плотности («плохой» холестерин).",
        ),
        "s3": (
            "HDL cholesterol, mg/dl",
            "High-density lipoproteins (“good” cholesterol).",
            "Холестерин ЛПВП, мг/дл",
            "Липопротеины высокой плотности («хороший» холестерин).",
        ),
        "s4": (
            "Total cholesterol / HDL",
            "Total cholesterol divided by HDL cholesterol.",
            "Общий холестерин / ЛПВП",
            "Общий холестерин, делённый на холестерин ЛПВП.",
        ),
        "s5": (
            "Triglycerides (log)",
            "Natural logarithm of the serum triglycerides level.",
            "Триглицериды (логарифм)",
            "Натуральный логарифм уровня триглицеридов в сыворотке крови.",
        ),
        "s6": (
            "Blood sugar, mg/dl",
            "Blood glucose level.",
            "Глюкоза крови, мг/дл",
            "Уровень глюкозы в крови.",
        ),
    }
)
_SEX = {"en": {"1": "Group 1", "2": "Group 2"}, "ru": {"1": "Группа 1", "2": "Группа 2"}}
for _lang, _labels in _SEX.items():
    _DIABETES[_lang]["sex"] = _DIABETES[_lang]["sex"].model_copy(update={"categories": _labels})
DIABETES = Words(
    medical=True,
    texts={
        "en": ModelText(
            title="Diabetes progression",
            description="Estimates how far diabetes will have progressed one year after the first "
            "examination, on the study's scale of about 25 to 346 (higher is worse), from age, sex, "
            "body mass index, blood pressure and six blood tests.",
            features=_DIABETES["en"],
        ),
        "ru": ModelText(
            title="Течение диабета",
            description="Оценивает, насколько продвинется диабет через год после первого "
            "обследования, по шкале исследования примерно от 25 до 346 (чем больше, тем хуже), по "
            "возрасту, полу, индексу массы тела, давлению и шести анализам крови.",
            features=_DIABETES["ru"],
        ),
    },
)

WORDS: dict[str, Words] = {
    "iris_logreg": IRIS,
    "cancer_rf": CANCER,
    "wine_gb": WINE,
    "diabetes_rf": DIABETES,
}


def apply_words(meta: ModelMeta) -> ModelMeta:
    """A built-in model's metadata with the words above (the same metadata if it has none, or if
    its inputs are not the ones they were written for)."""
    words = WORDS.get(meta.name)
    if words is None or set(words.texts["en"].features) != set(meta.feature_names):
        return meta
    en = words.texts["en"]
    features = [
        f.model_copy(update={"description": en.features[f.name].description or f.description})
        for f in meta.features
    ]
    data = meta.model_dump()
    data.update(
        title=en.title or meta.title,
        description=en.description or meta.description,
        features=[f.model_dump() for f in features],
        texts={lang: text.model_dump() for lang, text in words.texts.items()},
        medical=words.medical,
    )
    return ModelMeta.model_validate(data)  # validated again: the words name its inputs and classes
