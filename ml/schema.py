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
