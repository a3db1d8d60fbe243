"""The model catalogue: what the menu and /help list, a model card's quote, and the admin's model
operations (switch on/off, set a price, install an upload, versions, roll back). Each operation
opens and commits its own transaction; slow work (converting a pickle, loading and trying an
uploaded model) runs in a thread, outside any transaction."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import catalogue, queries, reports
from db.catalogue import VersionRow
from db.errors import DomainError, InvalidAmount
from db.ledger import to_money, validate_amount
from ml import formats
from ml.builtin_texts import apply_words
from ml.convert import ConversionError, convert_pickle
from ml.inputs import InputError, parse_all
from ml.schema import ModelMeta
from ml.upload import (
    MAX_MODEL_BYTES,
    ModelShape,
    UploadError,
    check_model,
    example_spec,
    inspect_model,
    read_upload_spec,
    try_model,
    upload_meta,
)
from services.predictions import PredictionService, Quote

# The types a handler of the catalogue sees (it imports them from here, never from db/ or ml/).
__all__ = [
    "MAX_MODEL_BYTES",
    "Catalogue",
    "ConversionError",
    "InputError",
    "InvalidAmount",
    "ModelItem",
    "ModelRow",
    "ModelShape",
    "Prepared",
    "Quote",
    "RollbackRefused",
    "RolledBack",
    "UploadBusy",
    "UploadError",
    "UploadPolicy",
    "UploadRefused",
    "Uploaded",
    "VersionRow",
    "example_spec",
    "register_builtins",
]

log = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


@dataclass(frozen=True, slots=True)
class ModelItem:
    """A model users can run, as the catalogue and /help list it."""

    name: str
    title: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class ModelRow:
    """A model as the admin's list shows it (served or not)."""

    name: str
    cost: Decimal
    is_active: bool
    file_path: str


@dataclass(frozen=True, slots=True)
class Uploaded:
    meta: ModelMeta  # the version now served
    number: int
    previous: int | None  # the version it replaced (None: a new model)
    cost: Decimal  # what a run of it costs now


@dataclass(frozen=True, slots=True)
class Prepared:
    """An upload checked against its metadata, not stored: what Publish would serve."""

    meta: ModelMeta
    cost: Decimal | None  # None: the model's current cost (or the default, for a new one)
    example: dict[str, object]  # its prediction on the metadata's example
    previous: ModelRow | None  # the model it would replace


@dataclass(frozen=True, slots=True)
class RolledBack:
    number: int  # the version served now
    previous: int | None  # the one served before


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    """What an admin upload may be (from Settings)."""

    allow_pickle: bool = False
    convert_memory_mb: int = 1024
    convert_seconds: float = 60.0
    convert_without_isolation: bool = False
    trusted_types: frozenset[str] = frozenset()
    default_cost: Decimal = Decimal(1)


class UploadRefused(DomainError):
    """A file that is not taken as a model: `code` 'pickle_refused' or 'not_skops'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class UploadBusy(DomainError):
    """The same model name was uploaded at the same moment elsewhere: nothing was stored."""

    code = "upload_busy"


class RollbackRefused(DomainError):
    """`code`: 'model_not_found', 'none' (no earlier version), 'same' (that version is served),
    'unreadable' (its metadata is not readable by this version of the bot) or
    'version_not_found'; `number`: the version asked for, where there is one."""

    def __init__(self, code: str, number: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.number = number


class Catalogue:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        predictions: PredictionService,
        policy: UploadPolicy | None = None,
    ) -> None:
        self._sessions = session_factory
        self._predictions = predictions
        self.policy = policy or UploadPolicy()
        # the pickle converted last (by its SHA-256): an upload's steps (check, try, publish)
        # convert it once, not at each step
        self._converted: OrderedDict[str, bytes] = OrderedDict()

    # -- what users see ------------------------------------------------------------------
    async def listing(self, lang: str = "en") -> list[ModelItem]:
        """The models users can run, cheapest first (each with its served metadata's title in
        `lang`, English where it has none)."""
        async with self._sessions() as session, session.begin():
            models = await queries.list_models(session)
            await self._predictions.refresh(session)  # models stored or replaced by another process
        items = []
        for m in models:
            try:
                items.append(
                    ModelItem(
                        m.name, self._predictions.registry.meta(m.name).title_in(lang), to_money(m.cost)
                    )
                )
            except DomainError:
                continue
            except Exception:
                log.warning("model %s has a row but no metadata", m.name)
        return items

    async def quote(self, user_id: int, model_name: str) -> Quote:
        """What a run of this model costs the user now (a model card); ModelUnavailable if it
        cannot run."""
        return await self._predictions.quote_now(user_id, model_name)

    # -- the admin's operations ----------------------------------------------------------
    async def all_models(self) -> list[ModelRow]:
        async with self._sessions() as session, session.begin():
            models = await queries.list_models(session, only_active=False)
            return [ModelRow(m.name, to_money(m.cost), m.is_active, m.file_path) for m in models]

    async def model(self, name: str) -> ModelRow | None:
        async with self._sessions() as session, session.begin():
            m = await queries.get_model(session, name)
            return None if m is None else ModelRow(m.name, to_money(m.cost), m.is_active, m.file_path)

    async def toggle(self, name: str) -> bool:
        """Switch a model on if it is off, off if on; False if there is no such model."""
        async with self._sessions() as session, session.begin():
            model = await queries.get_model(session, name)
            if model is None:
                return False
            await queries.set_model_active(session, model.name, not model.is_active)
            return True

    async def set_active(self, name: str, active: bool) -> bool:
        """False if there is no such model."""
        async with self._sessions() as session, session.begin():
            return await queries.set_model_active(session, name, active)

    async def switch(self, name: str, active: bool) -> bool | None:
        """Switch a model on or off: whether that changed it (None: no such model)."""
        async with self._sessions() as session, session.begin():
            if await queries.get_model(session, name) is None:
                return None
            return await reports.set_model_active_if(session, name, active)

    @staticmethod
    def valid_cost(raw: str) -> Decimal:
        """A price as /setcost takes it (0: free); InvalidAmount."""
        return Decimal(0) if raw.strip() in {"0", "0.0", "0.00"} else validate_amount(raw)

    async def set_cost(self, name: str, raw: str) -> Decimal:
        """The price set; InvalidAmount, or LookupError if there is no such model."""
        async with self._sessions() as session, session.begin():
            return await queries.set_model_cost(session, name, raw)

    def upload_kind(self, file_name: str) -> bool:
        """Whether an uploaded file is a pickle (to convert) rather than a skops file; UploadRefused
        if it is neither, or a pickle when they are not accepted."""
        name = file_name.lower()
        pickled = name.endswith(PICKLE_SUFFIXES)
        if pickled and not self.policy.allow_pickle:
            raise UploadRefused("pickle_refused")
        if not (pickled or name.endswith(formats.SUFFIX)):
            raise UploadRefused("not_skops")
        return pickled

    async def _skops(self, data: bytes, pickled: bool) -> bytes:
        """The upload as skops bytes: a pickle is converted (never loaded here: a separate,
        limited process turns it into a skops file). ConversionError or UploadError."""
        if not pickled:
            return data
        if len(data) > MAX_MODEL_BYTES:
            raise UploadError("too_big", max_mb=MAX_MODEL_BYTES // (1024 * 1024))
        digest = hashlib.sha256(data).hexdigest()
        converted = self._converted.get(digest)
        if converted is None:
            policy = self.policy
            converted = await asyncio.to_thread(
                convert_pickle,
                data,
                policy.convert_memory_mb,
                policy.convert_seconds,
                allow_unisolated=policy.convert_without_isolation,
            )
            self._converted[digest] = converted
            while len(self._converted) > 1:  # up to 50 MB each: the latest upload's only
                self._converted.popitem(last=False)
        return converted

    async def check_file(self, data: bytes, pickled: bool) -> ModelShape:
        """The first step of an upload: the file alone loads safely and is a model (its inputs
        and classes, for the metadata example). ConversionError or UploadError."""
        skops = await self._skops(data, pickled)
        return await asyncio.to_thread(inspect_model, skops, self.policy.trusted_types)

    async def _checked(
        self, data: bytes, meta_text: str, pickled: bool
    ) -> tuple[ModelMeta, bytes, Decimal | None]:
        skops = await self._skops(data, pickled)
        spec, raw_cost = read_upload_spec(meta_text)
        try:
            cost = None if raw_cost is None else validate_amount(raw_cost)
        except InvalidAmount as exc:
            raise UploadError("bad_cost", exc.reason) from None
        return upload_meta(spec, skops), skops, cost

    async def prepare_upload(self, data: bytes, meta_text: str, pickled: bool) -> Prepared:
        """The file against its metadata, and its prediction on the metadata's example; nothing
        is stored (Publish does that: `install_upload`). ConversionError or UploadError."""
        meta, skops, cost = await self._checked(data, meta_text, pickled)
        example = await asyncio.to_thread(check_model, meta, skops, self.policy.trusted_types)
        return Prepared(meta, cost, example, await self.model(meta.name))

    async def try_upload(
        self, data: bytes, meta_text: str, pickled: bool, values: str
    ) -> tuple[ModelMeta, dict[str, object], dict[str, object]]:
        """An unpublished upload's prediction on `values` (typed as a user types them): the
        metadata, the values parsed and the result. InputError, UploadError."""
        meta, skops, _ = await self._checked(data, meta_text, pickled)
        parsed = parse_all(meta.features, values)
        result = await asyncio.to_thread(try_model, meta, skops, dict(parsed), self.policy.trusted_types)
        return meta, dict(parsed), result

    async def install_upload(self, data: bytes, meta_text: str, pickled: bool, created_by: str) -> Uploaded:
        """Check an uploaded model (converted first if `pickled`) against the metadata JSON
        `meta_text`, then store it as the next version and serve it (Publish). Raises
        ConversionError, UploadError or UploadBusy; nothing is stored then."""
        policy = self.policy
        meta, data, cost = await self._checked(data, meta_text, pickled)
        await asyncio.to_thread(check_model, meta, data, policy.trusted_types)
        try:
            installed = await self._predictions.install(
                meta, data, cost, created_by[:255], policy.default_cost
            )
        except IntegrityError:  # the same name uploaded at the same moment elsewhere
            raise UploadBusy(meta.name) from None
        async with self._sessions() as session:
            model = await queries.get_model(session, installed.meta.name)
        price = to_money(model.cost) if model is not None else Decimal(0)
        return Uploaded(installed.meta, installed.number, installed.previous, price)

    async def versions(self, name: str) -> list[VersionRow]:
        """The stored versions of a model, oldest first (none: no such model)."""
        async with self._sessions() as session:
            return await catalogue.model_versions(session, name)

    async def rollback(self, name: str, number: int | None = None) -> RolledBack:
        """Serve an earlier version of a model: version `number`, or the one before the served
        one. RollbackRefused says why not."""
        versions = await self.versions(name)
        if not versions:
            raise RollbackRefused("model_not_found")
        served = next((v.number for v in versions if v.current), None)
        if number is None:
            earlier = [v.number for v in versions if served is None or v.number < served]
            if not earlier:
                raise RollbackRefused("none")
            number = earlier[-1]
        if number == served:
            raise RollbackRefused("same", number)
        try:
            meta = await self._predictions.serve_version(name, number)
        except ValueError:
            log.exception("model %s v%d has metadata this version of the bot cannot read", name, number)
            raise RollbackRefused("unreadable", number) from None
        if meta is None:
            raise RollbackRefused("version_not_found", number)
        return RolledBack(number, served)


async def register_builtins(
    session_factory: async_sessionmaker[AsyncSession],
    built: Mapping[str, tuple[ModelMeta, bytes]],
    costs: Mapping[str, float],
    default_cost: float = 1.0,
) -> list[str]:
    """Store the built-in models that the database does not serve yet (a new deployment, or one
    from before versions were stored) as their first version; returns the names stored. A model
    the database serves already keeps its version: every process serves that one."""
    for attempt in range(2):  # another process may register them at the same moment: look again
        try:
            async with session_factory() as session, session.begin():
                return await _register_builtins(session, built, costs, default_cost)
        except IntegrityError:
            if attempt:
                raise
    return []  # not reached: the second attempt returns or raises


async def _register_builtins(
    session: AsyncSession,
    built: Mapping[str, tuple[ModelMeta, bytes]],
    costs: Mapping[str, float],
    default_cost: float,
) -> list[str]:
    served = await catalogue.served_version_ids(session)
    await _refresh_builtin_words(session, set(built))
    added = []
    for name, (meta, data) in built.items():
        if served.get(name) is not None:
            continue
        cost = None if name in served else to_money(costs.get(name, default_cost))
        await catalogue.add_version(
            session,
            name=name,
            meta=meta.model_dump(mode="json"),
            data=data,
            sha256=meta.sha256,
            fmt=formats.FORMAT,
            cost=cost,
            created_by="built-in",
        )
        added.append(name)
    return added


async def _refresh_builtin_words(session: AsyncSession, names: set[str]) -> None:
    """A served built-in version stored before its words were written (or corrected) gets them:
    titles, labels and descriptions are not trained, so they change without a new version. An
    admin's upload of the same name is left as it is."""
    for row in await catalogue.current_versions(session):
        if row.model_name not in names or row.created_by != "built-in":
            continue
        try:
            stored = ModelMeta.model_validate(row.meta)
        except ValueError:
            continue  # read by a newer version of the bot, perhaps: not ours to rewrite
        words = apply_words(stored).model_dump(mode="json")
        if words != stored.model_dump(mode="json"):
            await catalogue.set_version_meta(session, row.id, words)
            log.info("built-in model %s v%d: words updated", row.model_name, row.number)
