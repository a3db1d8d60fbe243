"""The admin console: private chat with an id from ADMIN_IDS. Anyone else is refused and logged."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import secrets
from contextlib import suppress
from decimal import Decimal
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.types import User as TgUser
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Core
from bot.callbacks import AdminCD, PageCD
from bot.filters import NOT_COMMAND, IsAdmin
from bot.i18n import Translator
from bot.keyboards import admin_menu_kb, admin_models_kb, broadcast_kb, cancel_kb, user_card_kb, users_kb
from bot.refunds import attempt_refund
from bot.render import money, quote, short_result, when
from bot.states import AdminAddModel, AdminBroadcast
from bot.telegram_rules import shown_text
from db import accounts
from db.catalogue import model_versions
from db.engine import unit
from db.errors import BalanceLimitExceeded, InsufficientFunds, InvalidAmount
from db.ledger import deduct_balance, increase_balance, to_money
from db.models import Payment, TxKind, User
from db.payments import PaymentError, find_payment, start_refund
from db.repo import (
    Audience,
    broadcast_audience,
    find_user,
    get_model,
    list_models,
    list_users,
    mark_unreachable,
    set_model_active,
    set_model_cost,
    stats,
    user_predictions,
)
from ml import formats
from ml.convert import ConversionError, convert_pickle
from ml.upload import MAX_MODEL_BYTES, UploadError, check_model, parse_upload_meta

log = logging.getLogger(__name__)
router = Router(name=__name__)
admin = Router(name=f"{__name__}.admin")  # everything here is for admins only
admin.message.filter(IsAdmin())
admin.callback_query.filter(IsAdmin())
refusals = Router(name=f"{__name__}.refusals")  # tried only when `admin` did not match
router.include_routers(admin, refusals)

BROADCAST_MAX = 3500  # characters of a broadcast (sent as plain text; the preview adds a line)
DRAFTS_KEPT = 5  # broadcast previews whose Send works (and sent ones that say so); older: out of date
ADMIN_COMMANDS = (
    "admin",
    "users",
    "user",
    "credit",
    "debit",
    "disable",
    "enable",
    "models",
    "setcost",
    "enable_model",
    "disable_model",
    "addmodel",
    "versions",
    "rollback",
    "stats",
    "broadcast",
    "refund",
)


def admin_name(tg: TgUser | None) -> str:
    if tg is None:
        return "admin"
    return f"@{tg.username} ({tg.id})" if tg.username else f"admin {tg.id}"


@admin.message(Command("admin"))
async def admin_menu(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await message.answer(t("adm_menu"), reply_markup=admin_menu_kb(t))


@admin.callback_query(AdminCD.filter(F.action == "menu"))
async def admin_menu_cb(query: CallbackQuery, t: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(t("adm_menu"), reply_markup=admin_menu_kb(t))


# -- users ---------------------------------------------------------------------------------------


def user_label(u: User) -> str:
    flag = "⛔" if u.disabled else "👤"
    return f"{flag} #{u.id} @{u.username} · {money(u.balance)}"


async def users_view(t: Translator, session: AsyncSession, query: str, page: int) -> tuple[str, object]:
    async with unit(session):
        users, pages = await list_users(session, query, page)
    page = max(0, min(page, pages - 1))
    if not users:
        return t("adm_no_users"), users_kb(t, [], 0, 1, query)
    header = t("adm_users", page=page + 1, pages=pages, query=quote(query) or "—")
    return header, users_kb(t, [(u.id, user_label(u)) for u in users], page, pages, query[:20])


@admin.message(Command("users"))
async def users_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    text, kb = await users_view(t, session, (command.args or "").strip()[:50], 0)
    await message.answer(text, reply_markup=kb)  # type: ignore[arg-type]


@admin.callback_query(PageCD.filter(F.kind == "users"))
async def users_page(
    query: CallbackQuery, callback_data: PageCD, t: Translator, session: AsyncSession
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, kb = await users_view(t, session, callback_data.query, callback_data.page)
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=kb)  # type: ignore[arg-type]


async def user_card(t: Translator, core: Core, session: AsyncSession, user: User) -> str:
    async with unit(session):
        await session.refresh(user)
        preds, _ = await user_predictions(session, user.id, 0, 5)
    lines = []
    for p, model_name in preds:
        lines.append(
            f"#{p.id} {escape(model_name)} · {t('status_' + p.status)} · "
            f"{short_result(p.result) if p.status == 'completed' else ''} · {when(p.created_at)}"
        )
    return t(
        "adm_user_card",
        id=user.id,
        username=quote(user.username),
        email=quote(user.email, 255),
        tg=user.telegram_id or "—",
        balance=money(user.balance),
        status=t("adm_disabled") if user.disabled else t("adm_active"),
        created=when(user.created_at),
        predictions="\n".join(lines) or "—",
    )


async def _find(message: Message, t: Translator, session: AsyncSession, ref: str) -> User | None:
    async with unit(session):
        found = await find_user(session, ref) if ref else None
    if found is None:
        await message.answer(t("adm_user_not_found", ref=quote(ref or "?")))
    return found


@admin.message(Command("user"))
async def user_cmd(
    message: Message, command: CommandObject, t: Translator, core: Core, session: AsyncSession
) -> None:
    if not command.args:
        await message.answer(t("adm_usage_user"))
        return
    found = await _find(message, t, session, command.args.strip())
    if found is not None:
        await message.answer(
            await user_card(t, core, session, found), reply_markup=user_card_kb(t, found.id, found.disabled)
        )


@admin.callback_query(AdminCD.filter(F.action == "user"))
async def user_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, core: Core, session: AsyncSession
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    found = await _find(query.message, t, session, f"#{callback_data.arg}")
    if found is not None:
        await query.message.answer(
            await user_card(t, core, session, found), reply_markup=user_card_kb(t, found.id, found.disabled)
        )


async def _money_command(
    message: Message, command: CommandObject, t: Translator, session: AsyncSession, kind: str
) -> None:
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.answer(t(f"adm_usage_{kind}"))
        return
    ref, raw_amount = parts[0], parts[1].replace(",", ".")
    reason = parts[2].strip()[:100] if len(parts) > 2 else ""
    found = await _find(message, t, session, ref)
    if found is None:
        return
    by = admin_name(message.from_user)
    word = "credit" if kind == "credit" else "debit"
    description = f"Admin {word} by {by}" + (f": {reason}" if reason else "")
    try:
        async with unit(session):
            if kind == "credit":
                entry = await increase_balance(
                    session, found.id, raw_amount, description, kind=TxKind.ADMIN_CREDIT
                )
            else:
                entry = await deduct_balance(
                    session, found.id, raw_amount, description, kind=TxKind.ADMIN_DEBIT
                )
    except InvalidAmount as exc:
        await message.answer(t("adm_bad_amount", amount=quote(raw_amount), reason=escape(exc.reason)))
        return
    except InsufficientFunds as exc:
        await message.answer(t("adm_insufficient", balance=money(exc.balance), amount=money(exc.amount)))
        return
    except BalanceLimitExceeded:
        await message.answer(t("adm_balance_limit"))
        return
    log.info("%s: %s %s user %d", by, word, raw_amount, found.id)
    await message.answer(
        t(
            f"adm_{kind}_done",
            amount=money(Decimal(raw_amount)),
            username=quote(found.username),
            balance=money(entry.balance),
        )
    )


@admin.message(Command("credit"))
async def credit_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    await _money_command(message, command, t, session, "credit")


@admin.message(Command("debit"))
async def debit_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    await _money_command(message, command, t, session, "debit")


async def _set_disabled(
    message: Message, t: Translator, session: AsyncSession, user: User, disabled: bool
) -> None:
    async with unit(session):
        await accounts.set_disabled(session, user.id, disabled)
    user.disabled = disabled
    log.info("admin in chat %d %s user %d", message.chat.id, "disabled" if disabled else "enabled", user.id)
    await message.answer(
        t("adm_disabled_done" if disabled else "adm_enabled_done", username=quote(user.username))
    )


@admin.message(Command("disable", "enable"))
async def disable_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    disabled = command.command == "disable"
    if not command.args:
        await message.answer(t("adm_usage_disable" if disabled else "adm_usage_enable"))
        return
    found = await _find(message, t, session, command.args.strip())
    if found is not None:
        await _set_disabled(message, t, session, found, disabled)


@admin.callback_query(AdminCD.filter(F.action == "toggle_user"))
async def toggle_user_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, session: AsyncSession
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    found = await _find(query.message, t, session, f"#{callback_data.arg}")
    if found is not None:
        await _set_disabled(query.message, t, session, found, not found.disabled)


# -- models --------------------------------------------------------------------------------------


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


@admin.message(Command("models"))
async def models_cmd(message: Message, t: Translator, session: AsyncSession) -> None:
    text, kb = await models_view(t, session)
    await message.answer(text, reply_markup=kb)  # type: ignore[arg-type]


@admin.callback_query(AdminCD.filter(F.action == "models"))
async def models_cb(query: CallbackQuery, t: Translator, session: AsyncSession) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, kb = await models_view(t, session)
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=kb)  # type: ignore[arg-type]


@admin.callback_query(AdminCD.filter(F.action == "toggle_model"))
async def toggle_model_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, session: AsyncSession
) -> None:
    async with unit(session):
        model = await get_model(session, callback_data.arg)
        if model is not None:
            await set_model_active(session, model.name, not model.is_active)
    await query.answer()
    if model is not None:
        log.info("%s toggled model %s", admin_name(query.from_user), model.name)
    if isinstance(query.message, Message):
        text, kb = await models_view(t, session)
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=kb)  # type: ignore[arg-type]


@admin.message(Command("enable_model", "disable_model"))
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


@admin.message(Command("setcost"))
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


@admin.message(Command("addmodel"))
async def addmodel_cmd(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(AdminAddModel.file)
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


@admin.message(AdminAddModel.file, F.document)
async def addmodel_file(message: Message, state: FSMContext, t: Translator, core: Core) -> None:
    doc = message.document
    assert doc is not None
    file_name = (doc.file_name or "").lower()
    pickled = file_name.endswith(PICKLE_SUFFIXES)
    if pickled and not core.settings.allow_pickle_uploads:
        await message.answer(t("adm_addmodel_pickle_refused"), reply_markup=cancel_kb(t))
        return
    if not (pickled or file_name.endswith(formats.SUFFIX)):
        await message.answer(t("adm_addmodel_not_skops"), reply_markup=cancel_kb(t))
        return
    await state.update_data(file_id=doc.file_id, pickled=pickled)
    await state.set_state(AdminAddModel.meta)
    await message.answer(t("adm_addmodel_meta"), reply_markup=cancel_kb(t))


@admin.message(AdminAddModel.file, ~F.text.startswith("/"))
async def addmodel_need_file(message: Message, t: Translator) -> None:
    await message.answer(t("adm_addmodel_file"), reply_markup=cancel_kb(t))


@admin.message(AdminAddModel.meta, NOT_COMMAND)
async def addmodel_meta(message: Message, state: FSMContext, t: Translator, core: Core, bot: Bot) -> None:
    data = await state.get_data()
    buf = io.BytesIO()
    try:
        await bot.download(str(data.get("file_id")), destination=buf)
    except TelegramAPIError:
        await message.answer(t("err_batch_download"), reply_markup=cancel_kb(t))
        return
    raw = buf.getvalue()
    settings = core.settings
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
        installed = await core.predictions.install(
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
    async with core.session_factory() as session:
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


@admin.message(Command("versions"))
async def versions_cmd(message: Message, command: CommandObject, t: Translator, core: Core) -> None:
    name = (command.args or "").strip()
    if not name:
        await message.answer(t("adm_usage_versions"))
        return
    async with core.session_factory() as session:
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


@admin.message(Command("rollback"))
async def rollback_cmd(message: Message, command: CommandObject, t: Translator, core: Core) -> None:
    """Serve an earlier version of a model (the one before the served one, or the number given)."""
    parts = (command.args or "").split()
    wanted = parts[1] if len(parts) == 2 else None
    if not 1 <= len(parts) <= 2 or (wanted is not None and not re.fullmatch(r"[0-9]{1,9}", wanted)):
        await message.answer(t("adm_usage_rollback"))
        return
    name = parts[0]
    async with core.session_factory() as session:
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
        meta = await core.predictions.serve_version(name, number)
    except ValueError:
        log.exception("model %s v%d has metadata this version of the bot cannot read", name, number)
        await message.answer(t("adm_version_unreadable", name=quote(name), number=number))
        return
    if meta is None:
        await message.answer(t("adm_version_not_found", name=quote(name), number=number))
        return
    log.info("%s set model %s to v%d (was v%s)", admin_name(message.from_user), name, number, served)
    await message.answer(t("adm_rolled_back", name=quote(name), number=number, previous=served or "—"))


# -- Stars refunds -------------------------------------------------------------------------------


@admin.message(Command("refund"))
async def refund_cmd(
    message: Message, command: CommandObject, t: Translator, core: Core, session: AsyncSession, bot: Bot
) -> None:
    """Refund a Stars purchase: credits back through the ledger first, then Telegram's refund."""
    ref = (command.args or "").strip()
    if not ref:
        await message.answer(t("adm_usage_refund"))
        return
    async with unit(session):
        payment = await find_payment(session, ref)
    if payment is None:
        await message.answer(t("adm_refund_not_found", ref=quote(ref)))
        return
    try:
        async with unit(session):
            locked = await session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
            assert locked is not None
            await start_refund(session, locked)
    except InsufficientFunds as exc:
        await message.answer(
            t("adm_refund_insufficient", balance=money(exc.balance), amount=money(exc.amount))
        )
        return
    except PaymentError as exc:
        await message.answer(t("adm_refund_already") if exc.code == "already_refunded" else escape(str(exc)))
        return
    log.info("%s refunds payment %d (%d stars)", admin_name(message.from_user), payment.id, payment.stars)
    status = await attempt_refund(bot, core, payment.id, alert=False)
    async with unit(session):
        await session.refresh(payment)
    key = {"refunded": "adm_refund_done", "refund_pending": "adm_refund_retrying"}.get(
        status, "adm_refund_failed"
    )
    await message.answer(
        t(
            key,
            stars=payment.stars,
            credits=money(payment.credits),
            id=payment.id,
            error=escape(payment.refund_error or ""),
        )
    )


# -- stats and broadcast -------------------------------------------------------------------------


async def stats_text(t: Translator, session: AsyncSession) -> str:
    async with unit(session):
        s = await stats(session)
    by_model = "\n".join(f"• {escape(m)}: {n}" for m, n in s.by_model.items()) or "—"
    return t(
        "adm_stats",
        users=s.users,
        active=s.active_users,
        completed=s.by_status.get("completed", 0),
        failed=s.by_status.get("failed", 0),
        pending=s.by_status.get("pending", 0),
        by_model=by_model,
        spent=money(s.spent),
        refunded=money(s.refunded),
        credited=money(s.credited),
    )


@admin.message(Command("stats"))
async def stats_cmd(message: Message, t: Translator, session: AsyncSession) -> None:
    await message.answer(await stats_text(t, session))


@admin.callback_query(AdminCD.filter(F.action == "stats"))
async def stats_cb(query: CallbackQuery, t: Translator, session: AsyncSession) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(await stats_text(t, session))


async def _ask_broadcast(message: Message, state: FSMContext, t: Translator, text: str) -> None:
    """A preview whose Send button names its own draft: each preview sends its own text, once."""
    if not shown_text(text, None):  # only spaces and control characters: Telegram sends nothing
        await state.set_state(AdminBroadcast.text)
        await message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))
        return
    nonce = secrets.token_urlsafe(6)
    drafts = {**(await state.get_data()).get("drafts", {}), nonce: text}
    await state.set_state(AdminBroadcast.confirm)
    await state.update_data(drafts=dict(list(drafts.items())[-DRAFTS_KEPT:]))
    await message.answer(
        t("adm_broadcast_preview", text=quote(text, BROADCAST_MAX)), reply_markup=broadcast_kb(t, nonce)
    )


@admin.message(Command("broadcast"))
async def broadcast_cmd(message: Message, command: CommandObject, state: FSMContext, t: Translator) -> None:
    if command.args:
        await _ask_broadcast(message, state, t, command.args.strip()[:BROADCAST_MAX])
        return
    await state.set_state(AdminBroadcast.text)
    await message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))


@admin.callback_query(AdminCD.filter(F.action == "broadcast"))
async def broadcast_cb(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.set_state(AdminBroadcast.text)
    if isinstance(query.message, Message):
        await query.message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))


@admin.message(AdminBroadcast.text, NOT_COMMAND)
async def broadcast_text(message: Message, state: FSMContext, t: Translator) -> None:
    await _ask_broadcast(message, state, t, (message.text or "")[:BROADCAST_MAX])


async def broadcast(
    bot: Bot, core: Core, audience: Audience, text: str, report_to: int, t: Translator
) -> None:
    """Send to every reachable active user at BROADCAST_RATE per second (Telegram allows ~30/s);
    429s are waited out by the session's retry middleware. Users who blocked the bot (403) are
    marked unreachable: later broadcasts skip them until they write to the bot again."""
    sent = failed = 0
    blocked: list[int] = []
    pause = 1.0 / core.settings.broadcast_rate
    try:
        for chat_id in audience.chat_ids:
            try:
                await bot.send_message(chat_id, text, parse_mode=None)
                sent += 1
            except TelegramForbiddenError:
                blocked.append(chat_id)
                failed += 1
            except TelegramAPIError as exc:
                log.warning("broadcast to %d failed: %s", chat_id, exc)
                failed += 1
            await asyncio.sleep(pause)
    finally:  # also when stopped half-way: what was learnt is kept
        if blocked:
            async with core.session_factory() as session, session.begin():
                await mark_unreachable(session, blocked)
    log.info(
        "broadcast done: %d sent, %d failed (%d blocked the bot), %d skipped",
        sent,
        failed,
        len(blocked),
        audience.skipped,
    )
    with suppress(TelegramAPIError):
        await bot.send_message(
            report_to, t("adm_broadcast_done", sent=sent, failed=failed, skipped=audience.skipped)
        )


@admin.callback_query(AdminCD.filter(F.action == "broadcast_send"))
async def broadcast_send(
    query: CallbackQuery,
    callback_data: AdminCD,
    state: FSMContext,
    t: Translator,
    core: Core,
    session: AsyncSession,
    bot: Bot,
) -> None:
    """Sends the draft of the preview whose button this is. The draft is taken out of the dialog
    before anything is sent (an admin's updates are handled one at a time), so a second tap finds
    it sent; a preview whose draft is gone (the dialog was left) says it is out of date."""
    data = await state.get_data()
    drafts: dict[str, str] = dict(data.get("drafts", {}))
    sent: list[str] = list(data.get("sent", []))
    text = drafts.pop(callback_data.arg, None)
    if text is None:
        key = "adm_broadcast_already_sent" if callback_data.arg in sent else "adm_broadcast_stale"
        await query.answer(t(key), show_alert=True)
        return
    sent = [*sent, callback_data.arg][-DRAFTS_KEPT:]
    if not drafts and await state.get_state() == AdminBroadcast.confirm.state:
        await state.set_state(None)  # no preview left to confirm (another dialog would stay)
    await state.update_data(drafts=drafts, sent=sent)
    async with unit(session):
        audience = await broadcast_audience(session)
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(
                t("adm_broadcast_started", count=len(audience.chat_ids)), reply_markup=None
            )
        log.info(
            "%s started a broadcast to %d users (%d skipped)",
            admin_name(query.from_user),
            len(audience.chat_ids),
            audience.skipped,
        )
        core.spawn(broadcast(bot, core, audience, text, query.message.chat.id, t))


# -- refusals: anyone else, or anywhere but a private chat ---------------------------------------


@refusals.message(Command(*ADMIN_COMMANDS))
async def refuse_command(message: Message, t: Translator) -> None:
    tg = message.from_user
    log.warning(
        "admin command %r refused: tg %s in %s chat %d",
        (message.text or "")[:40],
        tg and tg.id,
        message.chat.type,
        message.chat.id,
    )
    await message.answer(t("adm_refused_group" if message.chat.type != "private" else "adm_refused"))


@refusals.callback_query(AdminCD.filter())
async def refuse_button(query: CallbackQuery, t: Translator) -> None:
    log.warning("admin button refused: tg %d", query.from_user.id)
    await query.answer(t("adm_refused"), show_alert=True)


__all__ = ["ADMIN_COMMANDS", "router"]
