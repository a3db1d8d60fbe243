"""Callback data of inline buttons (64 bytes at most each)."""

from aiogram.filters.callback_data import CallbackData


class MenuCD(CallbackData, prefix="menu"):
    action: str  # predict | balance | history | topup | language | help | main


class CancelCD(CallbackData, prefix="cancel"):
    pass


class RegCD(CallbackData, prefix="reg"):
    action: str  # use_tg


class LangCD(CallbackData, prefix="lang"):
    code: str


class ModelCD(CallbackData, prefix="m"):
    action: str  # card | start | batch
    name: str


class StepCD(CallbackData, prefix="step"):
    action: str  # back | example


class ConfirmCD(CallbackData, prefix="ok"):
    action: str  # run | edit | batch
    nonce: str


class PageCD(CallbackData, prefix="pg"):
    kind: str  # preds | txs | users
    page: int
    query: str = ""


class PredCD(CallbackData, prefix="p"):
    action: str  # show | repeat
    id: int


class AdminCD(CallbackData, prefix="adm"):
    action: str  # menu | users | models | stats | broadcast | user | toggle_user | toggle_model
    arg: str = ""


class TopupCD(CallbackData, prefix="top"):
    stars: int  # 0: a custom amount
