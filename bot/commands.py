"""What Telegram shows about the bot, set at start-up: the command menu per language (the
default list in English, one for each other language), a longer one in each admin's private
chat (the admin commands added), and the description and short description per language
(what a new user reads before pressing Start).

Every process of a deployment starts this way (several behind one webhook), and all would send
the same calls; with Redis, only the first process to start with these texts sends them (a key
per version of the texts), so a deploy sets them once and a change of texts sets them again.
A failed call is logged, never fatal: the bot serves with whatever Telegram had before."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import DEFAULT_LANG, I18n

log = logging.getLogger(__name__)
PUBLISHED_TTL = 30 * 24 * 3600  # seconds a version of the texts counts as set (then set again)

# Telegram's limits (setMyCommands, setMyDescription, setMyShortDescription)
MAX_COMMANDS = 100
MAX_COMMAND = 32  # [a-z0-9_]
MAX_COMMAND_DESCRIPTION = 256
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120


@dataclass(frozen=True, slots=True)
class Menu:
    """One setMyCommands call: the commands with their descriptions, for a scope and language."""

    commands: list[BotCommand]
    language_code: str | None  # None: the default, for every language without a list of its own
    chat_id: int | None = None  # None: everyone (the default scope); else this admin's chat


@dataclass(frozen=True, slots=True)
class Profile:
    menus: list[Menu]
    descriptions: dict[str | None, tuple[str, str]]  # language -> (description, short description)

    def fingerprint(self) -> str:
        """The same for the same texts: whether another process has set these already."""
        data: list[Any] = [
            [m.language_code, m.chat_id, [(c.command, c.description) for c in m.commands]] for m in self.menus
        ]
        data.append(sorted((k or "", v) for k, v in self.descriptions.items()))
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def _language_code(lang: str) -> str | None:
    return None if lang == DEFAULT_LANG else lang


def _commands(i18n: I18n, lang: str, names: Iterable[str]) -> list[BotCommand]:
    out = []
    for name in names:
        try:
            description = i18n.get(lang, f"cmd_{name}")
        except KeyError:
            log.warning("command /%s has no description: left out of the menu", name)
            continue
        out.append(BotCommand(command=name, description=description))
    return out


def build_profile(
    i18n: I18n, user_commands: Sequence[str], admin_commands: Sequence[str], admin_ids: Iterable[int]
) -> Profile:
    menus: list[Menu] = []
    descriptions: dict[str | None, tuple[str, str]] = {}
    admins = sorted(admin_ids)
    for lang in i18n.languages:
        code = _language_code(lang)
        users = _commands(i18n, lang, user_commands)
        menus.append(Menu(users, code))
        admin_menu = users + _commands(i18n, lang, [c for c in admin_commands if c not in user_commands])
        menus.extend(Menu(admin_menu[:MAX_COMMANDS], code, chat_id) for chat_id in admins)
        descriptions[code] = (i18n.get(lang, "bot_description"), i18n.get(lang, "bot_short_description"))
    return Profile(menus, descriptions)


async def _call(what: str, call: Any) -> bool:
    try:
        await call
        return True
    except TelegramAPIError as exc:
        log.warning("%s failed: %s", what, exc)
        return False


async def publish(bot: Bot, profile: Profile) -> int:
    """Send every call of the profile; returns how many failed (each is logged)."""
    failed = 0
    for menu in profile.menus:
        scope = (
            BotCommandScopeDefault() if menu.chat_id is None else BotCommandScopeChat(chat_id=menu.chat_id)
        )
        where = "default" if menu.chat_id is None else f"admin chat {menu.chat_id}"
        ok = await _call(
            f"setMyCommands({where}, {menu.language_code or 'default'})",
            bot.set_my_commands(menu.commands, scope=scope, language_code=menu.language_code),
        )
        failed += not ok
    for code, (description, short) in profile.descriptions.items():
        lang = code or "default"
        failed += not await _call(
            f"setMyDescription({lang})", bot.set_my_description(description, language_code=code)
        )
        failed += not await _call(
            f"setMyShortDescription({lang})", bot.set_my_short_description(short, language_code=code)
        )
    return failed


async def first_to_publish(redis: Any, prefix: str, profile: Profile) -> bool:
    """True for the first process to publish this version of the texts (needs Redis); if Redis
    cannot tell, True: setting them twice does no harm, not at all does."""
    try:
        key = f"{prefix}:bot_profile:{profile.fingerprint()}"
        return bool(await redis.set(key, 1, nx=True, ex=PUBLISHED_TTL))
    except Exception as exc:  # Redis down at start-up: the profile is still worth setting
        log.warning("could not check whether the bot's commands are set already: %s", exc)
        return True


async def set_profile(
    bot: Bot,
    i18n: I18n,
    user_commands: Sequence[str],
    admin_commands: Sequence[str],
    admin_ids: Iterable[int],
    redis: Any = None,
    redis_prefix: str = "",
) -> bool:
    """Set the command menus and descriptions, unless another process has set these same texts;
    returns whether this process sent them. Never raises for Telegram's refusals."""
    profile = build_profile(i18n, user_commands, admin_commands, admin_ids)
    if redis is not None and not await first_to_publish(redis, redis_prefix, profile):
        log.info("bot commands and descriptions already set by another process")
        return False
    failed = await publish(bot, profile)
    if failed and redis is not None:  # let the next process to start try again
        try:
            await redis.delete(f"{redis_prefix}:bot_profile:{profile.fingerprint()}")
        except Exception as exc:
            log.warning("could not clear the commands' mark: %s", exc)
    calls = len(profile.menus) + 2 * len(profile.descriptions)
    log.info("bot commands and descriptions set (%d of %d calls)", calls - failed, calls)
    return True
