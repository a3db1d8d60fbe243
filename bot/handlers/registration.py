"""/start, registration and /login: who this Telegram account is."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import RegCD
from bot.filters import NOT_COMMAND
from bot.handlers.promo import redeem
from bot.i18n import I18n, Translator
from bot.keyboards import back_to_menu_kb, cancel_kb, model_card_kb, username_kb
from bot.render import card_text, quote
from bot.replies import show_menu
from bot.states import Login, Registration
from services.accounts import AccountError, BadCredentials, LoginBlocked, Taken, User
from services.predictions import ModelUnavailable
from services.promos import PromoError, normalize_code

log = logging.getLogger(__name__)


# Deep links t.me/<bot>?start=<payload>: m_<model name> opens that model's card, promo_<CODE>
# redeems a promo code. Anything else is a plain /start.
MODEL_PREFIX = "m_"
PROMO_PREFIX = "promo_"


def deep_link(payload: str | None) -> str | None:
    """The payload if it is one the bot acts on (its kind checked, not yet its target)."""
    payload = (payload or "").strip()
    if payload.startswith(MODEL_PREFIX) and len(payload) > len(MODEL_PREFIX):
        return payload
    if payload.startswith(PROMO_PREFIX):
        try:
            return PROMO_PREFIX + normalize_code(payload[len(PROMO_PREFIX) :])
        except PromoError:
            return None
    return None


async def follow_link(message: Message, t: Translator, user: User, services: Services, payload: str) -> None:
    """What a deep link leads to, for a registered user; the menu where it leads nowhere."""
    if payload.startswith(PROMO_PREFIX):
        if await redeem(message, t, user, services, payload[len(PROMO_PREFIX) :], menu_button=False):
            await services.accounts.refresh(user)  # the menu shows the new balance
        await show_menu(message, t, user, services)
        return
    name = payload[len(MODEL_PREFIX) :]
    try:
        card = await services.catalogue.quote(user.id, name)
    except ModelUnavailable:
        log.info("deep link to unavailable model %r for user %d", name[:64], user.id)
        await message.answer(t("start_model_unavailable"))
        await show_menu(message, t, user, services)
        return
    await message.answer(card_text(t, card), reply_markup=model_card_kb(t, name, card.affordable))


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    user: User | None,
    t: Translator,
    services: Services,
) -> None:
    await state.clear()
    payload = deep_link(command.args)
    if user is not None:
        if payload is None:
            await show_menu(message, t, user, services)
        else:
            await follow_link(message, t, user, services, payload)
        return
    await state.set_state(Registration.username)
    suggestion = services.accounts.suggest_username(message.from_user.username if message.from_user else None)
    # kept through registration (and /login): followed once the account is there
    await state.update_data(suggestion=suggestion, deep_link=payload)
    await message.answer(t("reg_welcome", credits=services.welcome_credits))
    if payload is not None and payload.startswith(PROMO_PREFIX):
        await message.answer(t("promo_after_registration", code=payload[len(PROMO_PREFIX) :]))
    elif payload is not None:
        await message.answer(t("start_model_after_registration"))
    await message.answer(t("reg_ask_username"), reply_markup=username_kb(t, suggestion))


async def after_sign_up(
    message: Message, t: Translator, user: User, services: Services, data: dict[str, object]
) -> None:
    """The menu, or where the deep link the user came with leads."""
    payload = data.get("deep_link")
    if isinstance(payload, str) and deep_link(payload) is not None:
        await follow_link(message, t, user, services, payload)
    else:
        await show_menu(message, t, user, services)


async def _take_username(
    message: Message, state: FSMContext, raw: str, services: Services, t: Translator
) -> None:
    try:
        username = await services.accounts.free_username(raw)
    except Taken as exc:
        await message.answer(t("err_username_taken", username=quote(exc.value)), reply_markup=cancel_kb(t))
        return
    except AccountError:
        await message.answer(t("err_bad_username"), reply_markup=cancel_kb(t))
        return
    await state.update_data(username=username)
    await state.set_state(Registration.email)
    await message.answer(t("reg_ask_email", username=quote(username)), reply_markup=cancel_kb(t))


async def reg_username(message: Message, state: FSMContext, services: Services, t: Translator) -> None:
    await _take_username(message, state, message.text or "", services, t)


async def reg_use_tg(query: CallbackQuery, state: FSMContext, services: Services, t: Translator) -> None:
    suggestion = (await state.get_data()).get("suggestion")
    if suggestion and isinstance(query.message, Message):
        await _take_username(query.message, state, suggestion, services, t)


async def reg_email(message: Message, state: FSMContext, services: Services, t: Translator) -> None:
    try:
        email = await services.accounts.free_email(message.text or "")
    except Taken:
        await message.answer(t("err_email_taken"), reply_markup=cancel_kb(t))
        return
    except AccountError:
        await message.answer(t("err_bad_email"), reply_markup=cancel_kb(t))
        return
    await state.update_data(email=email)
    await state.set_state(Registration.password)
    await message.answer(t("reg_ask_password"), reply_markup=cancel_kb(t))


async def _delete_secret(message: Message) -> None:
    """Passwords never stay in the chat."""
    with suppress(TelegramBadRequest):
        await message.delete()


async def reg_password(
    message: Message, state: FSMContext, t: Translator, lang: str, services: Services
) -> None:
    password = message.text or ""
    await _delete_secret(message)
    try:
        services.accounts.check_password(password)
    except AccountError as exc:
        await message.answer(t(f"err_{exc.code}"), reply_markup=cancel_kb(t))
        return
    data = await state.get_data()
    assert message.from_user is not None
    try:
        # owns its transactions: the hash runs with none open
        user = await services.accounts.register(
            telegram_id=message.from_user.id,
            username=data["username"],
            email=data["email"],
            password=password,
            language=lang,
        )
    except AccountError as exc:
        log.info("registration refused for tg %d: %s", message.from_user.id, exc.code)
        if exc.code == "telegram_taken":  # registered meanwhile (another device): nothing to go back to
            await state.clear()
            await message.answer(t("err_telegram_taken"), reply_markup=back_to_menu_kb(t))
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
    await message.answer(t("reg_done", name=quote(user.username), balance=user.balance))
    await after_sign_up(message, t, user, services, data)


async def login(message: Message, state: FSMContext, user: User | None, t: Translator) -> None:
    if user is not None:
        await message.answer(t("login_already", name=quote(user.username)), reply_markup=back_to_menu_kb(t))
        return
    await state.set_state(Login.email)
    await message.answer(t("login_ask_email"), reply_markup=cancel_kb(t))


async def login_email(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    try:
        email = services.accounts.login_email(message.text or "")
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


async def login_password(
    message: Message, state: FSMContext, t: Translator, services: Services, i18n: I18n
) -> None:
    password = message.text or ""
    await _delete_secret(message)
    data = await state.get_data()
    assert message.from_user is not None
    try:
        # owns its transactions: the password is checked with none open
        signed = await services.accounts.sign_in(
            telegram_id=message.from_user.id, email=data.get("email", ""), password=password
        )
    except LoginBlocked as exc:
        log.info("login blocked for tg %d for %d s", message.from_user.id, exc.retry_after)
        await state.clear()
        await message.answer(t("err_login_blocked", wait=wait_text(t, exc.retry_after)))
        return
    except BadCredentials as exc:
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
    await after_sign_up(message, t, user, services, data)
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


# Registration/login steps that got something other than text (a sticker, a photo...).
async def dialog_needs_text(message: Message, t: Translator) -> None:
    await message.answer(t("need_text"), reply_markup=cancel_kb(t))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(reg_username, Registration.username, NOT_COMMAND)
    router.callback_query.register(reg_use_tg, Registration.username, RegCD.filter(F.action == "use_tg"))
    router.message.register(reg_email, Registration.email, NOT_COMMAND)
    router.message.register(reg_password, Registration.password, NOT_COMMAND)
    router.message.register(login, Command("login"))
    router.message.register(login_email, Login.email, NOT_COMMAND)
    router.message.register(login_password, Login.password, NOT_COMMAND)
    router.message.register(dialog_needs_text, StateFilter(Registration, Login), ~F.text.startswith("/"))
    return router
