"""Model metadata and the input schema it declares (stored beside each model as <name>.meta.json)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr, model_validator

LANG_RE = re.compile(r"^[a-z]{2,3}$")  # an ISO 639 code, as Telegram reports a client's language
DEFAULT_LANG = "en"


class Feature(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str
    type: Literal["float", "int", "category"] = "float"
    min: float | None = None
    max: float | None = None
    # category label -> the number the model was trained on
    categories: dict[str, float] | None = None
    example: float | str
    # typed words that mean a category (its labels in every language, casefolded) -> the
    # category; set by ModelMeta from its texts, so that "female" or «женский» is taken as typed
    _aliases: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def aliases(self) -> dict[str, str]:
        return self._aliases

    @model_validator(mode="after")
    def _check(self) -> Feature:
        if self.type == "category":
            if not self.categories:
                raise ValueError(f"category feature {self.name} needs categories")
            if str(self.example) not in self.categories:
                raise ValueError(f"example of {self.name} is not one of its categories")
        elif self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"feature {self.name}: min > max")
        return self


# Lengths of the words a model's metadata may carry: a label goes into buttons and lists, a
# description into a card that must stay within a message's 4,096 characters.
LABEL = 100
SHORT = 60  # a category or class label (a button's text)


class FeatureText(BaseModel):
    """A feature's words in one language; anything missing falls back to English."""

    label: str | None = Field(default=None, min_length=1, max_length=LABEL)  # "Petal length, cm"
    description: str | None = Field(default=None, min_length=1, max_length=300)
    # category value -> its label
    categories: dict[str, str] = Field(default_factory=dict, max_length=50)

    @model_validator(mode="after")
    def _check(self) -> FeatureText:
        for label in self.categories.values():
            if not 1 <= len(label) <= SHORT:
                raise ValueError(f"a category label has 1 to {SHORT} characters: {label[:80]!r}")
        return self


class ModelText(BaseModel):
    """A model's words in one language (`ModelMeta.texts["ru"]`); missing ones fall back to English."""

    title: str | None = Field(default=None, min_length=1, max_length=LABEL)
    description: str | None = Field(default=None, min_length=1, max_length=1000)
    features: dict[str, FeatureText] = Field(default_factory=dict)
    classes: dict[str, str] = Field(default_factory=dict)  # class name -> its label
    note: str | None = Field(default=None, min_length=1, max_length=500)  # a caution shown on the card

    @model_validator(mode="after")
    def _check(self) -> ModelText:
        for label in self.classes.values():
            if not 1 <= len(label) <= SHORT:
                raise ValueError(f"a class label has 1 to {SHORT} characters: {label[:80]!r}")
        return self


class ModelMeta(BaseModel):
    # registry key and Models.name; at most 47 characters because buttons carry it in their
    # callback data, which Telegram caps at 64 bytes: "adm:toggle_model:<name>" is the longest
    name: str = Field(pattern=r"^[a-z0-9_]{2,47}$")
    title: str
    description: str
    task: Literal["classification", "regression"]
    algorithm: str
    features: list[Feature] = Field(min_length=1)
    class_names: list[str] = Field(default_factory=list)
    version: str = "1"
    file: str  # the file name (a skops file; built-in ones are also kept in the models directory)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    dataset: str | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    trained_at: datetime | None = None
    sklearn_version: str | None = None
    # per-language words (language code -> texts); English is the fields above, and
    # texts["en"] may add English labels ("Malic acid, g/l" for malic_acid)
    texts: dict[str, ModelText] = Field(default_factory=dict)
    # a model about health: its card says it is not medical advice
    medical: bool = False

    @model_validator(mode="after")
    def _check(self) -> ModelMeta:
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise ValueError("feature names must be unique")
        if self.task == "classification" and len(self.class_names) < 2:
            raise ValueError("a classifier needs at least two class names")
        self._check_texts()
        return self

    def _check_texts(self) -> None:
        """Texts name only this model's features, categories and classes; each feature's
        categories learn their labels (in every language) as words a user may type."""
        features = {f.name: f for f in self.features}
        for lang, text in self.texts.items():
            if not LANG_RE.fullmatch(lang):
                raise ValueError(f"texts: {lang[:20]!r} is not a language code (such as en or ru)")
            for name, ft in text.features.items():
                feature = features.get(name)
                if feature is None:
                    raise ValueError(f"texts.{lang}: no input named {name[:50]!r}")
                unknown = set(ft.categories) - set(feature.categories or {})
                if unknown:
                    raise ValueError(f"texts.{lang}.{name}: no category {sorted(unknown)[0][:50]!r}")
            unknown = set(text.classes) - set(self.class_names)
            if unknown:
                raise ValueError(f"texts.{lang}: no class {sorted(unknown)[0][:50]!r}")
        for feature in self.features:
            if feature.type != "category":
                continue
            aliases: dict[str, str] = {}
            for text in self.texts.values():
                words = text.features.get(feature.name)
                for value, label in (words.categories if words else {}).items():
                    aliases.setdefault(label.strip().casefold(), value)
            feature._aliases = aliases

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    # -- words in a language: that language's, else English (texts["en"]), else the fields above --
    def _texts(self, lang: str) -> list[ModelText]:
        found = [self.texts.get(lang), self.texts.get(DEFAULT_LANG) if lang != DEFAULT_LANG else None]
        return [t for t in found if t is not None]

    def title_in(self, lang: str) -> str:
        return next((t.title for t in self._texts(lang) if t.title), self.title)

    def description_in(self, lang: str) -> str:
        return next((t.description for t in self._texts(lang) if t.description), self.description)

    def note_in(self, lang: str) -> str | None:
        """A caution for the card (a medical model's has one in every language it speaks)."""
        return next((t.note for t in self._texts(lang) if t.note), None)

    def _feature_text(self, name: str, lang: str) -> list[FeatureText]:
        found = [t.features.get(name) for t in self._texts(lang)]
        return [f for f in found if f is not None]

    def feature_label(self, name: str, lang: str) -> str:
        """An input's name for people: "Malic acid, g/l", or "Malic acid" made from malic_acid."""
        label = next((f.label for f in self._feature_text(name, lang) if f.label), None)
        return label or human_name(name)

    def feature_description(self, name: str, lang: str) -> str:
        found = next((f.description for f in self._feature_text(name, lang) if f.description), None)
        if found:
            return found
        feature = next((f for f in self.features if f.name == name), None)
        return feature.description if feature is not None else ""

    def category_label(self, name: str, value: str, lang: str) -> str:
        return next(
            (f.categories[value] for f in self._feature_text(name, lang) if value in f.categories), value
        )

    def class_label(self, name: str, lang: str) -> str:
        return next((t.classes[name] for t in self._texts(lang) if name in t.classes), name)


def human_name(name: str) -> str:
    """malic_acid -> "Malic acid": an input's name as words, when its metadata gives no label."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name
