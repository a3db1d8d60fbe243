"""/start and registration, /login, /cancel, menu, help and language."""

from __future__ import annotations

import logging
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Core
from bot.callbacks import CancelCD, LangCD, MenuCD, RegCD
from bot.filters import NOT_COMMAND
from bot.i18n import I18n, Translator
from bot.keyboards import cancel_kb, language_kb, main_menu_kb, username_kb
from bot.render import money, quote
from bot.states import Login, Registration
from db import accounts
from db.engine import unit
from db.errors import AccountError
from db.models import User
from db.repo import list_models, set_language

log = logging.getLogger(__name__)
router = Router(name=__name__)


def menu_text(t: Translator, user: User) -> str:
    return t("menu", name=quote(user.username), balance=money(user.balance))


async def show_menu(message: Message, t: Translator, user: User, core: Core, edit: bool = False) -> None:
    kb = main_menu_kb(t, is_admin=message.chat.id in core.settings.admin_ids)
    if edit:
        with suppress(TelegramBadRequest):
            await message.edit_text(menu_text(t, user), reply_markup=kb)
            return
    await message.answer(menu_text(t, user), reply_markup=kb)


def _tg_username_suggestion(message: Message) -> str | None:
    name = message.from_user.username if message.from_user else None
    if not name:
        return None
    try:
        return accounts.normalize_username(name)
    except AccountError:
        return None


# -- /start and registration ------------------------------------------------------------------


@router.message(CommandStart())
async def start(message: Message, state: FSMContext, user: User | None, t: Translator, core: Core) -> None:
    await state.clear()
    if user is not None:
        await show_menu(message, t, user, core)
        return
    await state.set_state(Registration.username)
    suggestion = _tg_username_suggestion(message)
    await state.update_data(suggestion=suggestion)
    await message.answer(t("reg_welcome", credits=money(core.welcome_credits)))
    await message.answer(t("reg_ask_username"), reply_markup=username_kb(t, suggestion))


async def _take_username(
    message: Message, state: FSMContext, raw: str, session: AsyncSession, t: Translator
) -> None:
    try:
        username = accounts.normalize_username(raw)
    except AccountError:
        await message.answer(t("err_bad_username"), reply_markup=cancel_kb(t))
        return
    async with unit(session):
        taken = await accounts.username_taken(session, username)
    if taken:
        await message.answer(t("err_username_taken", username=quote(username)), reply_markup=cancel_kb(t))
        return
    await state.update_data(username=username)
    await state.set_state(Registration.email)
    await message.answer(t("reg_ask_email", username=quote(username)), reply_markup=cancel_kb(t))


@router.message(Registration.username, NOT_COMMAND)
async def reg_username(message: Message, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    await _take_username(message, state, message.text or "", session, t)


@router.callback_query(Registration.username, RegCD.filter(F.action == "use_tg"))
async def reg_use_tg(query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    await query.answer()
    suggestion = (await state.get_data()).get("suggestion")
    if suggestion and isinstance(query.message, Message):
        await _take_username(query.message, state, suggestion, session, t)


@router.message(Registration.email, NOT_COMMAND)
async def reg_email(message: Message, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    try:
        email = accounts.normalize_email(message.text or "")
    except AccountError:
        await message.answer(t("err_bad_email"), reply_markup=cancel_kb(t))
        return
    async with unit(session):
        taken = await accounts.email_taken(session, email)
    if taken:
        await message.answer(t("err_email_taken"), reply_markup=cancel_kb(t))
        return
    await state.update_data(email=email)
    await state.set_state(Registration.password)
    await message.answer(t("reg_ask_password"), reply_markup=cancel_kb(t))


async def _delete_secret(message: Message) -> None:
    """Passwords never stay in the chat."""
    with suppress(TelegramBadRequest):
        await message.delete()


@router.message(Registration.password, NOT_COMMAND)
async def reg_password(message: Message, state: FSMContext, t: Translator, lang: str, core: Core) -> None:
    password = message.text or ""
    await _delete_secret(message)
    try:
        accounts.check_password(password)
    except AccountError as exc:
        await message.answer(t(f"err_{exc.code}"), reply_markup=cancel_kb(t))
        return
    data = await state.get_data()
    assert message.from_user is not None
    try:
        # owns its transactions: the hash runs with none open (not in this update's session)
        user = await accounts.create_account(
            core.session_factory,
            telegram_id=message.from_user.id,
            username=data["username"],
            email=data["email"],
            password=password,
            passwords=core.passwords,
            welcome_credits=core.welcome_credits,
            language=lang,
        )
    except AccountError as exc:
        log.info("registration refused for tg %d: %s", message.from_user.id, exc.code)
        if exc.code == "telegram_taken":  # registered meanwhile (another device): nothing to go back to
            await state.clear()
            await message.answer(t("err_telegram_taken"))
            return
        # Taken meanwhile by someone else: go back to the step at fault.
        back = Registration.email if exc.field == "email" else Registration.username
        await state.set_state(back)
        await message.answer(
            t(f"err_{exc.code}", username=quote(data.get("username", ""))), reply_markup=cancel_kb(t)
        )
        return
    await state.clear()
    log.info("registered user %d (tg %d)", user.id, message.from_user.id)
    await message.answer(t("reg_done", name=quote(user.username), balance=money(user.balance)))
    await show_menu(message, t, user, core)


# -- /login ------------------------------------------------------------------------------------


@router.message(Command("login"))
async def login(message: Message, state: FSMContext, user: User | None, t: Translator) -> None:
    if user is not None:
        await message.answer(t("login_already", name=quote(user.username)))
        return
    await state.set_state(Login.email)
    await message.answer(t("login_ask_email"), reply_markup=cancel_kb(t))


@router.message(Login.email, NOT_COMMAND)
async def login_email(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        email = accounts.normalize_email(message.text or "")
    except AccountError:
        # Perhaps the password, typed one step early (after a wrong one the dialog asks for the
        # email again): not kept in the dialog state, and not left in the chat.
        await _delete_secret(message)
        await message.answer(t("err_login_not_email"), reply_markup=cancel_kb(t))
        return
    await state.update_data(email=email)
    await state.set_state(Login.password)
    await message.answer(t("login_ask_password"), reply_markup=cancel_kb(t))


def wait_text(t: Translator, seconds: int) -> str:
    """A wait in whole seconds under a minute, else in minutes rounded up: unit abbreviations,
    so no language needs plural forms ("30 s", "2 мин")."""
    if seconds < 60:
        return t("wait_seconds", n=seconds)
    return t("wait_minutes", n=-(-seconds // 60))


@router.message(Login.password, NOT_COMMAND)
async def login_password(message: Message, state: FSMContext, t: Translator, core: Core, i18n: I18n) -> None:
    password = message.text or ""
    await _delete_secret(message)
    data = await state.get_data()
    assert message.from_user is not None
    try:
        # owns its transactions: the password is checked with none open
        signed = await accounts.sign_in(
            core.session_factory,
            telegram_id=message.from_user.id,
            email=data.get("email", ""),
            password=password,
            passwords=core.passwords,
        )
    except accounts.LoginBlocked as exc:
        log.info("login blocked for tg %d for %d s", message.from_user.id, exc.retry_after)
        await state.clear()
        await message.answer(t("err_login_blocked", wait=wait_text(t, exc.retry_after)))
        return
    except accounts.BadCredentials as exc:
        log.info("login refused for tg %d: bad credentials", message.from_user.id)
        if exc.retry_after is not None:  # that was one too many: blocked from now on
            await state.clear()
            blocked = t("err_login_blocked", wait=wait_text(t, exc.retry_after))
            await message.answer(f"{t('err_bad_credentials_short')}\n{blocked}")
        else:
            await state.set_state(Login.email)
            await message.answer(t("err_bad_credentials"), reply_markup=cancel_kb(t))
        return
    except AccountError as exc:
        log.info("login refused for tg %d: %s", message.from_user.id, exc.code)
        await state.clear()
        await message.answer(t(f"err_{exc.code}"))
        return
    await state.clear()
    user = signed.user
    log.info("user %d linked to tg %d", user.id, message.from_user.id)
    await message.answer(t("login_done", name=quote(user.username)))
    await show_menu(message, t, user, core)
    if signed.previous_telegram_id is not None and message.bot is not None:
        their = i18n.translator(i18n.pick(user.language, None))  # the account's language, not this chat's
        await _tell_previous(message.bot, signed.previous_telegram_id, their, user.username)


async def _tell_previous(bot: Bot, telegram_id: int, t: Translator, username: str) -> None:
    """The Telegram account the user was signed in with until now learns that it no longer is;
    if it cannot be reached (blocked the bot, deleted), the sign-in stands all the same."""
    try:
        await bot.send_message(telegram_id, t("login_moved_away", name=quote(username)))
    except TelegramAPIError as exc:
        log.info("could not tell tg %d that its account moved: %s", telegram_id, type(exc).__name__)


# -- cancel, menu, help, language -----------------------------------------------------------------


@router.message(Command("cancel"))
async def cancel_cmd(
    message: Message, state: FSMContext, user: User | None, t: Translator, core: Core
) -> None:
    had = await state.get_state()
    await state.clear()
    await message.answer(t("cancelled") if had else t("nothing_to_cancel"))
    if user is not None:
        await show_menu(message, t, user, core)


@router.callback_query(CancelCD.filter())
async def cancel_cb(
    query: CallbackQuery, state: FSMContext, user: User | None, t: Translator, core: Core
) -> None:
    await state.clear()
    await query.answer(t("cancelled"))
    if not isinstance(query.message, Message):
        return
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    if user is not None:
        await show_menu(query.message, t, user, core)
    else:
        await query.message.answer(t("cancelled_unregistered"))


@router.message(Command("menu"))
async def menu_cmd(message: Message, state: FSMContext, user: User | None, t: Translator, core: Core) -> None:
    if user is None:
        await message.answer(t("need_registration"))
        return
    await state.clear()
    await show_menu(message, t, user, core)


@router.callback_query(MenuCD.filter(F.action == "main"))
async def menu_cb(
    query: CallbackQuery,
    state: FSMContext,
    user: User | None,
    t: Translator,
    core: Core,
    session: AsyncSession,
) -> None:
    await query.answer()
    if user is None or not isinstance(query.message, Message):
        return
    await state.clear()
    async with unit(session):
        await accounts.refresh_user(session, user)
    await show_menu(query.message, t, user, core, edit=True)


def help_text(t: Translator, core: Core, costs: list[tuple[str, str]]) -> str:
    lines = "\n".join(f"• {escape(title)} — {cost}" for title, cost in costs)
    return t("help", costs=lines, credits=money(core.welcome_credits))


async def _help(message: Message, t: Translator, core: Core, session: AsyncSession) -> None:
    async with unit(session):
        models = await list_models(session)
        await core.predictions.refresh(session)  # models stored or replaced by another process
    costs = []
    for m in models:
        try:
            title = core.registry.meta(m.name).title
        except Exception:
            continue
        costs.append((title, money(m.cost)))
    await message.answer(help_text(t, core, costs))


@router.message(Command("help"))
async def help_cmd(message: Message, t: Translator, core: Core, session: AsyncSession) -> None:
    await _help(message, t, core, session)


@router.callback_query(MenuCD.filter(F.action == "help"))
async def help_cb(query: CallbackQuery, t: Translator, core: Core, session: AsyncSession) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _help(query.message, t, core, session)


@router.message(Command("language"))
async def language_cmd(message: Message, t: Translator, lang: str, i18n: I18n) -> None:
    await message.answer(t("choose_language"), reply_markup=language_kb(i18n.languages, lang))


@router.callback_query(MenuCD.filter(F.action == "language"))
async def language_cb(query: CallbackQuery, t: Translator, lang: str, i18n: I18n) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t("choose_language"), reply_markup=language_kb(i18n.languages, lang))


@router.callback_query(LangCD.filter())
async def set_language_cb(
    query: CallbackQuery,
    callback_data: LangCD,
    user: User | None,
    session: AsyncSession,
    i18n: I18n,
    core: Core,
    state: FSMContext,
) -> None:
    if callback_data.code not in i18n.languages:
        await query.answer()
        return
    t = i18n.translator(callback_data.code)
    if user is not None:
        async with unit(session):
            await set_language(session, user.id, callback_data.code)
        user.language = callback_data.code
    else:
        await state.update_data(language=callback_data.code)
    await query.answer(t("language_set"))
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(t("language_set"), reply_markup=None)
        if user is not None:
            await show_menu(query.message, t, user, core)


# Registration/login steps that got something other than text (a sticker, a photo...).
@router.message(StateFilter(Registration, Login), ~F.text.startswith("/"))
async def dialog_needs_text(message: Message, t: Translator) -> None:
    await message.answer(t("need_text"), reply_markup=cancel_kb(t))
