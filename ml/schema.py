"""Model metadata and the input schema it declares (stored beside each model as <name>.meta.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator


class Feature(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str
    type: Literal["float", "int", "category"] = "float"
    min: float | None = None
    max: float | None = None
    # category label -> the number the model was trained on
    categories: dict[str, float] | None = None
    example: float | str

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


class FeatureText(BaseModel):
    """A feature's words in one language; anything missing falls back to English."""

    label: str | None = None  # "Petal length, cm" instead of petal_length
    description: str | None = None
    categories: dict[str, str] = Field(default_factory=dict)  # category value -> its label


class ModelText(BaseModel):
    """A model's words in one language (`ModelMeta.texts["ru"]`); missing ones fall back to English."""

    title: str | None = None
    description: str | None = None
    features: dict[str, FeatureText] = Field(default_factory=dict)
    classes: dict[str, str] = Field(default_factory=dict)  # class name -> its label


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
    # per-language words (language code -> texts); English is the fields above
    texts: dict[str, ModelText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ModelMeta:
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise ValueError("feature names must be unique")
        if self.task == "classification" and len(self.class_names) < 2:
            raise ValueError("a classifier needs at least two class names")
        return self

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    # -- words in a language, English when a translation is missing ------------------------
    def title_in(self, lang: str) -> str:
        text = self.texts.get(lang)
        return (text.title if text and text.title else None) or self.title

    def description_in(self, lang: str) -> str:
        text = self.texts.get(lang)
        return (text.description if text and text.description else None) or self.description

    def feature_label(self, name: str, lang: str) -> str:
        text = self.texts.get(lang)
        found = text.features.get(name) if text else None
        return (found.label if found and found.label else None) or name

    def class_label(self, name: str, lang: str) -> str:
        text = self.texts.get(lang)
        return (text.classes.get(name) if text else None) or name
