"""Admin: the model catalogue (switch on/off, prices), uploads, versions and rollback."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.callbacks import AdminCD
from bot.filters import NOT_COMMAND
from bot.i18n import Translator
from bot.keyboards import admin_models_kb, cancel_kb
from bot.render import admin_name, money, quote, when
from bot.states import AdminAddModel
from db.catalogue import model_versions
from db.engine import unit
from db.errors import InvalidAmount
from db.ledger import to_money
from db.queries import (
    get_model,
    list_models,
    set_model_active,
    set_model_cost,
)
from ml import formats
from ml.convert import ConversionError, convert_pickle
from ml.upload import MAX_MODEL_BYTES, UploadError, check_model, parse_upload_meta

log = logging.getLogger(__name__)


async def models_view(t: Translator, session: AsyncSession) -> tuple[str, object]:
    async with unit(session):
        models = await list_models(session, only_active=False)
    lines = [
        f"{'✅' if m.is_active else '⛔'} <code>{escape(m.name)}</code> · {money(m.cost)}"
        f" · {escape(m.file_path)}"
        for m in models
    ]
    return t("adm_models", items="\n".join(lines) or "—"), admin_models_kb(
        t, [(m.name, m.is_active) for m in models]
    )


async def models_cmd(message: Message, t: Translator, session: AsyncSession) -> None:
    text, kb = await models_view(t, session)
    await message.answer(text, reply_markup=kb)  # type: ignore[arg-type]


async def models_cb(query: CallbackQuery, t: Translator, session: AsyncSession) -> None:
    if isinstance(query.message, Message):
        text, kb = await models_view(t, session)
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=kb)  # type: ignore[arg-type]


async def toggle_model_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, session: AsyncSession
) -> None:
    async with unit(session):
        model = await get_model(session, callback_data.arg)
        if model is not None:
            await set_model_active(session, model.name, not model.is_active)
    if model is not None:
        log.info("%s toggled model %s", admin_name(query.from_user), model.name)
    if isinstance(query.message, Message):
        text, kb = await models_view(t, session)
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=kb)  # type: ignore[arg-type]


async def model_switch_cmd(
    message: Message, command: CommandObject, t: Translator, session: AsyncSession
) -> None:
    active = command.command == "enable_model"
    name = (command.args or "").strip()
    if not name:
        await message.answer(t("adm_usage_model_switch", command=command.command))
        return
    async with unit(session):
        changed = await set_model_active(session, name, active)
    if not changed:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    log.info("%s set model %s active=%s", admin_name(message.from_user), name, active)
    await message.answer(t("adm_model_on" if active else "adm_model_off", name=quote(name)))


async def setcost_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(t("adm_usage_setcost"))
        return
    name, raw = parts[0], parts[1].replace(",", ".")
    try:
        async with unit(session):
            cost = await set_model_cost(session, name, raw)
    except InvalidAmount as exc:
        await message.answer(t("adm_bad_amount", amount=quote(raw), reason=escape(exc.reason)))
        return
    except LookupError:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    log.info("%s set cost of %s to %s", admin_name(message.from_user), name, cost)
    await message.answer(t("adm_cost_set", name=quote(name), cost=money(cost)))


async def addmodel_cmd(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(AdminAddModel.file)
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


async def addmodel_file(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    doc = message.document
    assert doc is not None
    file_name = (doc.file_name or "").lower()
    pickled = file_name.endswith(PICKLE_SUFFIXES)
    if pickled and not services.settings.allow_pickle_uploads:
        await message.answer(t("adm_addmodel_pickle_refused"), reply_markup=cancel_kb(t))
        return
    if not (pickled or file_name.endswith(formats.SUFFIX)):
        await message.answer(t("adm_addmodel_not_skops"), reply_markup=cancel_kb(t))
        return
    await state.update_data(file_id=doc.file_id, pickled=pickled)
    await state.set_state(AdminAddModel.meta)
    await message.answer(t("adm_addmodel_meta"), reply_markup=cancel_kb(t))


async def addmodel_need_file(message: Message, t: Translator) -> None:
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


async def addmodel_meta(
    message: Message, state: FSMContext, t: Translator, services: Services, bot: Bot
) -> None:
    data = await state.get_data()
    buf = io.BytesIO()
    try:
        await bot.download(str(data.get("file_id")), destination=buf)
    except TelegramAPIError:
        await message.answer(t("err_batch_download"), reply_markup=cancel_kb(t))
        return
    raw = buf.getvalue()
    settings = services.settings
    try:
        if data.get("pickled"):
            if len(raw) > MAX_MODEL_BYTES:
                raise UploadError("too_big", max_mb=MAX_MODEL_BYTES // (1024 * 1024))
            # never loaded here: a separate, limited process turns it into a skops file
            raw = await asyncio.to_thread(
                convert_pickle,
                raw,
                settings.pickle_convert_memory_mb,
                settings.pickle_convert_seconds,
                allow_unisolated=settings.pickle_convert_without_isolation,
            )
        meta, cost = parse_upload_meta(message.text or "", raw, None)
        await asyncio.to_thread(check_model, meta, raw, settings.model_trusted_types)
        installed = await services.predictions.install(
            meta, raw, cost, admin_name(message.from_user)[:255], to_money(settings.default_model_cost)
        )
    except ConversionError as exc:
        # the detail is what the pickle's own code printed last (it once printed the bot's
        # token): the log gets it, as one bounded line; the chat, only the category
        log.warning(
            "%s: pickle not converted (%s): %r", admin_name(message.from_user), exc.code, exc.detail[:300]
        )
        await message.answer(
            t(f"adm_convert_{exc.code}", max_mb=MAX_MODEL_BYTES // (1024 * 1024)), reply_markup=cancel_kb(t)
        )
        return
    except UploadError as exc:
        await message.answer(
            t(f"adm_upload_{exc.code}", detail=quote(exc.detail, 300), **exc.params),
            reply_markup=cancel_kb(t),
        )
        return
    except IntegrityError:  # the same name uploaded at the same moment elsewhere
        await message.answer(t("adm_upload_busy"), reply_markup=cancel_kb(t))
        return
    await state.clear()
    served = installed.meta
    log.info(
        "%s stored model %s v%d (sha256 %s)",
        admin_name(message.from_user),
        served.name,
        installed.number,
        served.sha256,
    )
    async with services.session_factory() as session:
        model = await get_model(session, served.name)
    price = money(model.cost if model is not None else 0)
    params = {
        "name": escape(served.name),
        "title": quote(served.title),
        "cost": price,
        "sha": served.sha256[:16],
        "count": len(served.features),
        "number": installed.number,
    }
    if installed.previous is None:
        await message.answer(t("adm_model_added", **params))
    else:
        await message.answer(t("adm_model_replaced", previous=installed.previous, **params))


async def versions_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    name = (command.args or "").strip()
    if not name:
        await message.answer(t("adm_usage_versions"))
        return
    async with services.session_factory() as session:
        versions = await model_versions(session, name)
    if not versions:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    lines = [
        t(
            "adm_version_line",
            number=v.number,
            when=when(v.created_at),
            sha=v.sha256[:12],
            by=quote(v.created_by or "—"),
            served="  ← " + t("adm_version_served") if v.current else "",
        )
        for v in versions[-20:]
    ]
    await message.answer(t("adm_versions", name=quote(name), items="\n".join(lines)))


async def rollback_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    """Serve an earlier version of a model (the one before the served one, or the number given)."""
    parts = (command.args or "").split()
    wanted = parts[1] if len(parts) == 2 else None
    if not 1 <= len(parts) <= 2 or (wanted is not None and not re.fullmatch(r"[0-9]{1,9}", wanted)):
        await message.answer(t("adm_usage_rollback"))
        return
    name = parts[0]
    async with services.session_factory() as session:
        versions = await model_versions(session, name)
    if not versions:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    served = next((v.number for v in versions if v.current), None)
    if wanted is not None:
        number = int(wanted)
    else:
        earlier = [v.number for v in versions if served is None or v.number < served]
        if not earlier:
            await message.answer(t("adm_rollback_none", name=quote(name)))
            return
        number = earlier[-1]
    if number == served:
        await message.answer(t("adm_rollback_same", name=quote(name), number=number))
        return
    try:
        meta = await services.predictions.serve_version(name, number)
    except ValueError:
        log.exception("model %s v%d has metadata this version of the bot cannot read", name, number)
        await message.answer(t("adm_version_unreadable", name=quote(name), number=number))
        return
    if meta is None:
        await message.answer(t("adm_version_not_found", name=quote(name), number=number))
        return
    log.info("%s set model %s to v%d (was v%s)", admin_name(message.from_user), name, number, served)
    await message.answer(t("adm_rolled_back", name=quote(name), number=number, previous=served or "—"))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(models_cmd, Command("models"))
    router.callback_query.register(models_cb, AdminCD.filter(F.action == "models"))
    router.callback_query.register(toggle_model_cb, AdminCD.filter(F.action == "toggle_model"))
    router.message.register(model_switch_cmd, Command("enable_model", "disable_model"))
    router.message.register(setcost_cmd, Command("setcost"))
    router.message.register(addmodel_cmd, Command("addmodel"))
    router.message.register(addmodel_file, AdminAddModel.file, F.document)
    router.message.register(addmodel_need_file, AdminAddModel.file, ~F.text.startswith("/"))
    router.message.register(addmodel_meta, AdminAddModel.meta, NOT_COMMAND)
    router.message.register(versions_cmd, Command("versions"))
    router.message.register(rollback_cmd, Command("rollback"))
    return router
