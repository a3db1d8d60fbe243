"""Admin: the model catalogue (switch on/off, prices), uploads, versions and rollback."""

from __future__ import annotations

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

from bot.app import Services
from bot.callbacks import AdminCD
from bot.filters import NOT_COMMAND
from bot.i18n import Translator
from bot.keyboards import admin_models_kb, cancel_kb
from bot.render import admin_models_text, admin_name, quote, uploaded_text, versions_text
from bot.replies import Screen
from bot.states import AdminAddModel
from services.catalogue import (
    MAX_MODEL_BYTES,
    ConversionError,
    InvalidAmount,
    RollbackRefused,
    UploadBusy,
    UploadError,
    UploadRefused,
)

log = logging.getLogger(__name__)


async def models_view(t: Translator, services: Services) -> Screen:
    models = await services.catalogue.all_models()
    return Screen(admin_models_text(t, models), admin_models_kb(t, [(m.name, m.is_active) for m in models]))


async def models_cmd(message: Message, t: Translator, services: Services) -> None:
    screen = await models_view(t, services)
    await message.answer(screen.text, reply_markup=screen.markup)


async def models_cb(query: CallbackQuery, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        screen = await models_view(t, services)
        with suppress(TelegramBadRequest):  # not modified: the list is as it was
            await query.message.edit_text(screen.text, reply_markup=screen.markup)


async def toggle_model_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, services: Services
) -> None:
    if await services.catalogue.toggle(callback_data.arg):
        log.info("%s toggled model %s", admin_name(query.from_user), callback_data.arg)
    await models_cb(query, t, services)


async def model_switch_cmd(
    message: Message, command: CommandObject, t: Translator, services: Services
) -> None:
    active = command.command == "enable_model"
    name = (command.args or "").strip()
    if not name:
        await message.answer(t("adm_usage_model_switch", command=command.command))
        return
    if not await services.catalogue.set_active(name, active):
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    log.info("%s set model %s active=%s", admin_name(message.from_user), name, active)
    await message.answer(t("adm_model_on" if active else "adm_model_off", name=quote(name)))


async def setcost_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(t("adm_usage_setcost"))
        return
    name, raw = parts[0], parts[1].replace(",", ".")
    try:
        cost = await services.catalogue.set_cost(name, raw)
    except InvalidAmount as exc:
        await message.answer(t("adm_bad_amount", amount=quote(raw), reason=escape(exc.reason)))
        return
    except LookupError:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    log.info("%s set cost of %s to %s", admin_name(message.from_user), name, cost)
    await message.answer(t("adm_cost_set", name=quote(name), cost=cost))


async def addmodel_cmd(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(AdminAddModel.file)
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


async def addmodel_file(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    doc = message.document
    assert doc is not None
    try:
        pickled = services.catalogue.upload_kind(doc.file_name or "")
    except UploadRefused as exc:
        await message.answer(t(f"adm_addmodel_{exc.code}"), reply_markup=cancel_kb(t))
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
    admin = admin_name(message.from_user)
    try:
        uploaded = await services.catalogue.install_upload(
            buf.getvalue(), message.text or "", bool(data.get("pickled")), admin
        )
    except ConversionError as exc:
        # the detail is what the pickle's own code printed last (it once printed the bot's
        # token): the log gets it, as one bounded line; the chat, only the category
        log.warning("%s: pickle not converted (%s): %r", admin, exc.code, exc.detail[:300])
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
    except UploadBusy:  # the same name uploaded at the same moment elsewhere
        await message.answer(t("adm_upload_busy"), reply_markup=cancel_kb(t))
        return
    await state.clear()
    served = uploaded.meta
    log.info("%s stored model %s v%d (sha256 %s)", admin, served.name, uploaded.number, served.sha256)
    await message.answer(uploaded_text(t, uploaded))


async def versions_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    name = (command.args or "").strip()
    if not name:
        await message.answer(t("adm_usage_versions"))
        return
    versions = await services.catalogue.versions(name)
    if not versions:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    await message.answer(versions_text(t, name, versions))


ROLLBACK_REFUSALS = {
    "model_not_found": "adm_model_not_found",
    "none": "adm_rollback_none",
    "same": "adm_rollback_same",
    "unreadable": "adm_version_unreadable",
    "version_not_found": "adm_version_not_found",
}


async def rollback_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    """Serve an earlier version of a model (the one before the served one, or the number given)."""
    parts = (command.args or "").split()
    wanted = parts[1] if len(parts) == 2 else None
    if not 1 <= len(parts) <= 2 or (wanted is not None and not re.fullmatch(r"[0-9]{1,9}", wanted)):
        await message.answer(t("adm_usage_rollback"))
        return
    name = parts[0]
    try:
        done = await services.catalogue.rollback(name, None if wanted is None else int(wanted))
    except RollbackRefused as exc:
        params = {} if exc.number is None else {"number": exc.number}
        await message.answer(t(ROLLBACK_REFUSALS[exc.code], name=quote(name), **params))
        return
    log.info(
        "%s set model %s to v%d (was v%s)", admin_name(message.from_user), name, done.number, done.previous
    )
    await message.answer(
        t("adm_rolled_back", name=quote(name), number=done.number, previous=done.previous or "—")
    )


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
