"""Admin: the model catalogue (switch on/off, prices: each shown for confirmation first), uploads
(the file checked first, then its metadata, then tried, then published), versions and rollback."""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
from contextlib import suppress
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from bot.app import Services
from bot.callbacks import AdminCD, CancelCD
from bot.filters import NOT_COMMAND
from bot.handlers.admin.pending import ask
from bot.handlers.admin.users import MAX_AMOUNT, amount_reason, bad_amount_text
from bot.i18n import I18n, Translator
from bot.keyboards import Keyboard, admin_models_kb, cancel_kb
from bot.middlewares import TapAnswer
from bot.render import (
    admin_models_text,
    admin_name,
    input_error_text,
    quote,
    quote_list,
    result_block,
    uploaded_text,
    value_label,
    versions_text,
)
from bot.replies import Screen
from bot.states import AdminAddModel
from services.catalogue import (
    MAX_MODEL_BYTES,
    ConversionError,
    InputError,
    InvalidAmount,
    ModelShape,
    Prepared,
    RollbackRefused,
    UploadBusy,
    UploadError,
    UploadRefused,
    example_spec,
)

log = logging.getLogger(__name__)

EXAMPLE_MAX = 3000  # characters of a metadata example shown in the chat; longer: sent as a file


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


def models_button_kb(t: Translator) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_adm_models"), callback_data=AdminCD(action="models"))
    return b.as_markup()


async def _plan_model_switch(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    name: str,
    active: bool | None,
    edit: bool,
) -> None:
    """Show a model's switch on or off for confirmation (`active` None: the other way round)."""
    model = await services.catalogue.model(name)
    if model is None:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    want = not model.is_active if active is None else active
    if model.is_active == want:
        await message.answer(t("adm_model_on" if want else "adm_model_off", name=quote(name)))
        return
    text = t("adm_confirm_model_on" if want else "adm_confirm_model_off", name=quote(name))
    await ask(message, state, t, text, {"op": "model_on" if want else "model_off", "name": name}, edit=edit)


async def toggle_model_cb(
    query: CallbackQuery, callback_data: AdminCD, state: FSMContext, t: Translator, services: Services
) -> None:
    """A tap on a model in /models asks first: one tap no longer switches a model off."""
    if isinstance(query.message, Message):
        await _plan_model_switch(query.message, state, t, services, callback_data.arg, None, edit=True)


async def model_switch_cmd(
    message: Message, command: CommandObject, state: FSMContext, t: Translator, services: Services
) -> None:
    active = command.command == "enable_model"
    name = (command.args or "").strip()
    if not name:
        await message.answer(t("adm_usage_model_switch", command=command.command))
        return
    await _plan_model_switch(message, state, t, services, name, active, edit=False)


async def run_model_switch(
    action: dict[str, Any],
    nonce: str,
    query: CallbackQuery,
    t: Translator,
    services: Services,
    bot: Bot,
    i18n: I18n,
) -> Screen:
    name, active = str(action["name"]), action["op"] == "model_on"
    changed = await services.catalogue.switch(name, active)
    if changed is None:
        return Screen(t("adm_model_not_found", name=quote(name)))
    if changed:
        log.info("%s set model %s active=%s", admin_name(query.from_user), name, active)
    return Screen(t("adm_model_on" if active else "adm_model_off", name=quote(name)), models_button_kb(t))


async def setcost_cmd(
    message: Message, command: CommandObject, state: FSMContext, t: Translator, services: Services
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(t("adm_usage_setcost"))
        return
    name, raw = parts[0], parts[1].replace(",", ".")
    model = await services.catalogue.model(name)
    if model is None:
        await message.answer(t("adm_model_not_found", name=quote(name)))
        return
    try:
        cost = services.catalogue.valid_cost(raw)
    except InvalidAmount as exc:
        await message.answer(bad_amount_text(t, raw, exc))
        return
    text = t("adm_confirm_setcost", name=quote(name), old=model.cost, cost=cost)
    await ask(message, state, t, text, {"op": "setcost", "name": name, "cost": str(cost)})


async def run_setcost(
    action: dict[str, Any],
    nonce: str,
    query: CallbackQuery,
    t: Translator,
    services: Services,
    bot: Bot,
    i18n: I18n,
) -> Screen:
    name = str(action["name"])
    try:
        cost = await services.catalogue.set_cost(name, str(action["cost"]))
    except (InvalidAmount, LookupError):
        return Screen(t("adm_model_not_found", name=quote(name)))
    log.info("%s set cost of %s to %s", admin_name(query.from_user), name, cost)
    return Screen(t("adm_cost_set", name=quote(name), cost=cost), models_button_kb(t))


# -- uploads: the file, then its metadata, then try and publish -------------------------------


def upload_error_text(t: Translator, exc: UploadError) -> str:
    if exc.code == "bad_cost":  # the reason in the admin's language
        return t("adm_upload_bad_cost", detail=t(f"adm_amount_{amount_reason(exc.detail)}", max=MAX_AMOUNT))
    return t(f"adm_upload_{exc.code}", detail=quote(exc.detail, 300), **exc.params)


def conversion_error_text(t: Translator, exc: ConversionError, admin: str) -> str:
    # the detail is what the pickle's own code printed last (it once printed the bot's token):
    # the log gets it, as one bounded line; the chat, only the category
    log.warning("%s: pickle not converted (%s): %r", admin, exc.code, exc.detail[:300])
    return t(f"adm_convert_{exc.code}", max_mb=MAX_MODEL_BYTES // (1024 * 1024))


async def addmodel_cmd(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(AdminAddModel.file)
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


async def _download(bot: Bot, file_id: str) -> bytes | None:
    buf = io.BytesIO()
    try:
        await bot.download(file_id, destination=buf)
    except TelegramAPIError:
        return None
    return buf.getvalue()


def shape_text(t: Translator, shape: ModelShape) -> str:
    inputs = (
        t("adm_file_inputs", count=shape.n_features) if shape.n_features else t("adm_file_inputs_unknown")
    )
    classes = t("adm_file_classes", names=quote_list(shape.classes, 300)) if shape.classes else ""
    return t("adm_file_checked", kind=escape(shape.kind), inputs=inputs, classes=classes)


async def addmodel_file(
    message: Message, state: FSMContext, t: Translator, services: Services, bot: Bot
) -> None:
    """The file alone first: it must load safely and be a model; then the metadata example is
    made for it (its inputs and classes), ready to copy."""
    doc = message.document
    assert doc is not None
    try:
        pickled = services.catalogue.upload_kind(doc.file_name or "")
    except UploadRefused as exc:
        await message.answer(t(f"adm_addmodel_{exc.code}"), reply_markup=cancel_kb(t))
        return
    if (doc.file_size or 0) > MAX_MODEL_BYTES:
        await message.answer(
            t("adm_upload_too_big", max_mb=MAX_MODEL_BYTES // (1024 * 1024)), reply_markup=cancel_kb(t)
        )
        return
    data = await _download(bot, doc.file_id)
    if data is None:
        await message.answer(t("err_batch_download"), reply_markup=cancel_kb(t))
        return
    try:
        shape = await services.catalogue.check_file(data, pickled)
    except (ConversionError, UploadError) as exc:
        # refused: the dialog waits for a file again (an earlier file is not taken instead)
        await state.set_state(AdminAddModel.file)
        await state.update_data(file_id=None, upload=None)
        if isinstance(exc, ConversionError):
            text = conversion_error_text(t, exc, admin_name(message.from_user))
        else:
            text = upload_error_text(t, exc)
        await message.answer(text, reply_markup=cancel_kb(t))
        return
    await state.update_data(file_id=doc.file_id, pickled=pickled, upload=None)
    await state.set_state(AdminAddModel.meta)
    example = json.dumps(example_spec(shape), ensure_ascii=False, indent=1)
    head = shape_text(t, shape)
    if len(example) <= EXAMPLE_MAX:
        await message.answer(
            head + "\n\n" + t("adm_addmodel_meta", example=escape(example)), reply_markup=cancel_kb(t)
        )
        return
    await message.answer_document(
        BufferedInputFile(example.encode(), filename="metadata.json"),
        caption=head + "\n\n" + t("adm_addmodel_meta_file"),
        reply_markup=cancel_kb(t),
    )


async def addmodel_need_file(message: Message, t: Translator) -> None:
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


def check_kb(t: Translator, upload: str) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(
        text=t("btn_adm_publish"), callback_data=AdminCD(action="upload_publish", arg=upload), unique=True
    )
    b.button(
        text=t("btn_adm_try_example"), callback_data=AdminCD(action="upload_try", arg=upload), unique=True
    )
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()


def prepared_text(t: Translator, prepared: Prepared, default_cost: Any) -> str:
    meta = prepared.meta
    previous = prepared.previous
    cost = prepared.cost if prepared.cost is not None else previous.cost if previous else default_cost
    example = {f.name: f.example for f in meta.features}
    return t(
        "adm_upload_ready",
        title=quote(meta.title),
        name=escape(meta.name),
        count=len(meta.features),
        cost=cost,
        replaces=t("adm_upload_replaces") if previous else t("adm_upload_new"),
        example=quote(", ".join(f"{k}={value_label(v)}" for k, v in example.items()), 300),
        result=result_block(t, meta, prepared.example),
    )


async def _upload_bytes(message: Message, state: FSMContext, t: Translator, bot: Bot) -> bytes | None:
    data = await state.get_data()
    raw = await _download(bot, str(data.get("file_id")))
    if raw is None:
        await message.answer(t("err_batch_download"), reply_markup=cancel_kb(t))
    return raw


async def addmodel_meta(
    message: Message, state: FSMContext, t: Translator, services: Services, bot: Bot
) -> None:
    """The metadata: checked against the file and tried on its example; nothing is stored
    before Publish."""
    raw = await _upload_bytes(message, state, t, bot)
    if raw is None:
        return
    pickled = bool((await state.get_data()).get("pickled"))
    meta_text = message.text or ""
    try:
        prepared = await services.catalogue.prepare_upload(raw, meta_text, pickled)
    except ConversionError as exc:
        await message.answer(
            conversion_error_text(t, exc, admin_name(message.from_user)), reply_markup=cancel_kb(t)
        )
        return
    except UploadError as exc:
        await message.answer(upload_error_text(t, exc), reply_markup=cancel_kb(t))
        return
    upload = secrets.token_urlsafe(6)
    await state.update_data(meta_text=meta_text, upload=upload)
    await state.set_state(AdminAddModel.check)
    await message.answer(
        prepared_text(t, prepared, services.catalogue.policy.default_cost), reply_markup=check_kb(t, upload)
    )


async def addmodel_try(
    message: Message, state: FSMContext, t: Translator, services: Services, bot: Bot
) -> None:
    """Checked, not published: values typed as a user types them are tried; new metadata JSON
    replaces the metadata."""
    text = message.text or ""
    if text.lstrip().startswith("{"):
        await addmodel_meta(message, state, t, services, bot)
        return
    await _try(message, state, t, services, bot, text)


async def _try(
    message: Message, state: FSMContext, t: Translator, services: Services, bot: Bot, values: str | None
) -> None:
    data = await state.get_data()
    raw = await _upload_bytes(message, state, t, bot)
    if raw is None:
        return
    meta_text = str(data.get("meta_text", ""))
    upload = str(data.get("upload", ""))
    try:
        if values is None:
            prepared = await services.catalogue.prepare_upload(raw, meta_text, bool(data.get("pickled")))
            meta, result = prepared.meta, prepared.example
            shown: dict[str, object] = {f.name: f.example for f in meta.features}
        else:
            meta, shown, result = await services.catalogue.try_upload(
                raw, meta_text, bool(data.get("pickled")), values
            )
    except InputError as exc:
        meta = (await services.catalogue.prepare_upload(raw, meta_text, bool(data.get("pickled")))).meta
        await message.answer(input_error_text(t, exc, meta), reply_markup=check_kb(t, upload))
        return
    except (UploadError, ConversionError) as exc:
        text = upload_error_text(t, exc) if isinstance(exc, UploadError) else t("adm_convert_failed")
        await message.answer(text, reply_markup=check_kb(t, upload))
        return
    await message.answer(
        t(
            "adm_upload_tried",
            values=quote(", ".join(f"{k}={value_label(v)}" for k, v in shown.items()), 300),
            result=result_block(t, meta, result),
        ),
        reply_markup=check_kb(t, upload),
    )


async def try_example_cb(
    query: CallbackQuery,
    callback_data: AdminCD,
    callback_answer: TapAnswer,
    state: FSMContext,
    t: Translator,
    services: Services,
    bot: Bot,
) -> None:
    data = await state.get_data()
    if data.get("upload") != callback_data.arg or await state.get_state() != AdminAddModel.check.state:
        callback_answer.alert(t("adm_upload_stale"))
        return
    if isinstance(query.message, Message):
        await _try(query.message, state, t, services, bot, None)


async def publish_cb(
    query: CallbackQuery,
    callback_data: AdminCD,
    callback_answer: TapAnswer,
    state: FSMContext,
    t: Translator,
    services: Services,
    bot: Bot,
) -> None:
    """Store the checked upload as the next version and serve it: once (the upload leaves the
    dialog before it is stored; a second tap finds it published)."""
    data = await state.get_data()
    if data.get("upload") != callback_data.arg or await state.get_state() != AdminAddModel.check.state:
        published = callback_data.arg in data.get("published", [])
        callback_answer.alert(t("adm_upload_published_already" if published else "adm_upload_stale"))
        return
    if not isinstance(query.message, Message):
        return
    await state.set_state(None)
    await state.update_data(upload=None, published=[*data.get("published", []), callback_data.arg][-5:])
    await callback_answer.send_now()
    message = query.message
    raw = await _download(bot, str(data.get("file_id")))
    if raw is None:
        await message.answer(t("err_batch_download"))
        return
    admin = admin_name(query.from_user)
    try:
        uploaded = await services.catalogue.install_upload(
            raw, str(data.get("meta_text", "")), bool(data.get("pickled")), admin
        )
    except ConversionError as exc:
        await message.answer(conversion_error_text(t, exc, admin))
        return
    except UploadError as exc:
        await message.answer(upload_error_text(t, exc))
        return
    except UploadBusy:  # the same name uploaded at the same moment elsewhere
        await message.answer(t("adm_upload_busy"))
        return
    served = uploaded.meta
    log.info("%s stored model %s v%d (sha256 %s)", admin, served.name, uploaded.number, served.sha256)
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
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
    router.message.register(addmodel_file, AdminAddModel.meta, F.document)  # another file instead
    router.message.register(addmodel_file, AdminAddModel.check, F.document)
    router.message.register(addmodel_need_file, AdminAddModel.file, ~F.text.startswith("/"))
    router.message.register(addmodel_meta, AdminAddModel.meta, NOT_COMMAND)
    router.message.register(addmodel_try, AdminAddModel.check, NOT_COMMAND)
    router.callback_query.register(try_example_cb, AdminCD.filter(F.action == "upload_try"))
    router.callback_query.register(publish_cb, AdminCD.filter(F.action == "upload_publish"))
    router.message.register(versions_cmd, Command("versions"))
    router.message.register(rollback_cmd, Command("rollback"))
    return router
