"""Callback data of inline buttons (64 bytes at most each). Fixed choices are `Literal`s: a
button with another value does not unpack, and lands in the fallback ("this button is out of date")."""

import hashlib
from typing import Literal

from aiogram.filters.callback_data import CallbackData


class MenuCD(CallbackData, prefix="menu"):
    action: Literal["predict", "balance", "history", "topup", "language", "settings", "help", "main"]


class CancelCD(CallbackData, prefix="cancel"):
    pass


class RegCD(CallbackData, prefix="reg"):
    action: Literal["use_tg"]


class LangCD(CallbackData, prefix="lang"):
    code: str


class SettingsCD(CallbackData, prefix="set"):
    """A /settings toggle: `code` is the value it sets ("on"/"off"), so a double tap sets the
    same value twice instead of switching back."""

    action: Literal["notify", "pictures"]
    code: Literal["on", "off"]


class ModelCD(CallbackData, prefix="m"):
    action: Literal["card", "start", "batch"]
    name: str


class StepCD(CallbackData, prefix="step"):
    """A button of one question of the input dialog. It carries that question's number and a tag
    of the model, so that a button of an earlier question (or of another model's dialog), pressed
    later, is refused instead of filling the input asked now."""

    action: Literal["back", "example", "pick"]
    step: int
    model: str  # model_tag(name)
    value: int = 0  # "pick": the category's position in the input's categories


def model_tag(name: str) -> str:
    """A short tag of a model's name for callback data (a name may take 47 of its 64 bytes)."""
    return hashlib.blake2s(name.encode(), digest_size=4).hexdigest()


class ConfirmCD(CallbackData, prefix="ok"):
    action: Literal["run", "edit", "batch"]
    nonce: str


PageKind = Literal["preds", "txs", "users"]


class PageCD(CallbackData, prefix="pg"):
    kind: PageKind
    page: int
    query: str = ""


class PredCD(CallbackData, prefix="p"):
    action: Literal["show", "repeat", "why"]
    id: int


class BatchCD(CallbackData, prefix="b"):
    """A CSV batch's rows, paged: named by its first prediction; `back` is the screen it was
    opened from (History or the transactions)."""

    id: int
    page: int = 0
    back: Literal["preds", "txs"] = "preds"


class AdminCD(CallbackData, prefix="adm"):
    action: Literal[
        "menu",
        "users",
        "models",
        "stats",
        "broadcast",
        "broadcast_send",
        "user",
        "toggle_user",
        "toggle_model",
        "credit",  # arg: a user id; asks for the amount
        "refund",  # arg: a payment id; asks to confirm
        "upload_try",
        "upload_publish",
        "broadcast_skip",  # no Russian text: everyone gets the English one
    ]
    arg: str = ""


class AdminOkCD(CallbackData, prefix="ado"):
    """Confirm or cancel an admin action shown for confirmation; `nonce` names it (in the
    admin's dialog data) and becomes its idempotency key."""

    answer: Literal["yes", "no"]
    nonce: str


class SupportCD(CallbackData, prefix="sup"):
    """Payments' terms and support: open to disabled users too (bot/middlewares.py)."""

    action: Literal["terms", "cancel"]


class TopupCD(CallbackData, prefix="top"):
    stars: int  # 0: a custom amount
