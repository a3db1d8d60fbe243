"""Admin actions that wait for a Confirm tap. Each is kept in the admin's dialog data under a
fresh nonce, which its Confirm button carries: the tap takes it out before it runs (an admin's
updates are handled one at a time), so a double tap or a replayed update finds it gone and says
it was done; money actions also use the nonce as their ledger idempotency key."""

from __future__ import annotations

import secrets
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from bot.callbacks import AdminOkCD
from bot.i18n import Translator
from bot.keyboards import Keyboard
from bot.replies import edit_or_send

KEPT = 10  # confirmations open at once (and done ones remembered, to say so)


def confirm_kb(t: Translator, nonce: str) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_adm_confirm"), callback_data=AdminOkCD(answer="yes", nonce=nonce), unique=True)
    b.button(text=t("btn_cancel"), callback_data=AdminOkCD(answer="no", nonce=nonce), unique=True)
    b.adjust(2)
    return b.as_markup()


async def ask(
    message: Message, state: FSMContext, t: Translator, text: str, action: dict[str, Any], edit: bool = False
) -> str:
    """Show `text` with Confirm / Cancel for `action` (a JSON-able dict with an 'op'); returns its
    nonce. `edit`: in place of `message` (a card's button), else as a new message."""
    nonce = secrets.token_urlsafe(9)
    pending = {**(await state.get_data()).get("adm_pending", {}), nonce: action}
    await state.update_data(adm_pending=dict(list(pending.items())[-KEPT:]))
    await edit_or_send(message, text, confirm_kb(t, nonce), edit)
    return nonce


async def take(state: FSMContext, nonce: str) -> tuple[dict[str, Any] | None, bool]:
    """The action waiting under `nonce`, taken out (it runs once); or None and whether it was
    done already (else: cancelled, or out of date)."""
    data = await state.get_data()
    pending: dict[str, Any] = dict(data.get("adm_pending", {}))
    done: list[str] = list(data.get("adm_done", []))
    action = pending.pop(nonce, None)
    if action is None:
        return None, nonce in done
    await state.update_data(adm_pending=pending, adm_done=[*done, nonce][-KEPT:])
    return action, False


async def drop(state: FSMContext, nonce: str) -> bool:
    """Cancel the action under `nonce`; False if there was none."""
    pending: dict[str, Any] = dict((await state.get_data()).get("adm_pending", {}))
    if pending.pop(nonce, None) is None:
        return False
    await state.update_data(adm_pending=pending)
    return True
