""" "Why?" for one of a user's predictions: each input's exact contribution (ml/explain.py), free of
charge, computed on demand in the ML executor's pool and kept per prediction (a second tap, or a
tap on the same result twice, computes nothing). Only the prediction's owner gets an answer;
nothing here writes to the database."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.errors import DomainError
from db.models import PredictionStatus
from db.queries import user_prediction
from ml.executor import MLExecutor
from ml.explain import Explainers, ExplainResult, Unsupported
from ml.inputs import InputError, encode, from_mapping
from ml.registry import RegistryError
from ml.schema import ModelMeta
from services.predictions import PredictionService

log = logging.getLogger(__name__)

KEEP = 512  # explanations kept, by prediction id


class NotExplainable(DomainError):
    """`code`: "not_found" (no such prediction of this user), "not_completed" (failed or still
    running: nothing to explain), "model_changed" (the model that answered is no longer served)."""

    def __init__(self, code: Literal["not_found", "not_completed", "model_changed"]) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Why:
    prediction_id: int
    meta: ModelMeta
    result: dict[str, Any]
    explanation: ExplainResult  # an Explanation, or Unsupported (the model's type has no exact one)


class Explanations:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        predictions: PredictionService,
        executor: MLExecutor,
        explainers: Explainers | None = None,
        keep: int = KEEP,
    ) -> None:
        self._sessions = session_factory
        self._predictions = predictions
        self._executor = executor
        self.explainers = explainers or Explainers()
        self.keep = keep
        self._kept: OrderedDict[int, tuple[int, Why]] = OrderedDict()  # prediction id -> (owner, why)

    async def why(self, user_id: int, prediction_id: int) -> Why:
        """The explanation of this user's prediction (NotExplainable if there is none to give)."""
        kept = self._kept.get(prediction_id)
        if kept is not None and kept[0] == user_id:
            self._kept.move_to_end(prediction_id)
            return kept[1]
        async with self._sessions() as session, session.begin():
            found = await user_prediction(session, user_id, prediction_id)
        if found is None:
            raise NotExplainable("not_found")
        prediction, model_name = found
        if prediction.status != PredictionStatus.COMPLETED or not prediction.result:
            raise NotExplainable("not_completed")
        meta = self._predictions.meta_or_none(model_name)
        served = self._predictions.registry.version_of(model_name)
        if meta is None or (prediction.version_id is not None and served != prediction.version_id):
            raise NotExplainable("model_changed")
        try:
            row = encode(meta.features, from_mapping(meta.features, prediction.input_data or {}))
            loaded = await self._executor.load(model_name, meta)
        except (InputError, RegistryError) as exc:
            log.info("prediction %d cannot be explained: %s", prediction_id, exc)
            raise NotExplainable("model_changed") from exc
        class_index = prediction.result.get("class_index")
        try:
            explanation = await self._executor.call(self.explainers.explain, loaded, row, class_index)
        except TimeoutError:
            explanation = Unsupported(model_name, "too_large", "timed out")
        why = Why(prediction_id, meta, dict(prediction.result), explanation)
        self._kept[prediction_id] = (user_id, why)
        while len(self._kept) > self.keep:
            self._kept.popitem(last=False)
        return why
