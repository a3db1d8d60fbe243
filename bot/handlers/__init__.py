"""Routers per feature; get_routers() gives them in dispatch order, fallbacks last."""

from aiogram import Router

from bot.handlers import admin, balance, batch, common, fallback, history, predict


def get_routers() -> list[Router]:
    return [
        common.router,
        admin.router,
        predict.router,
        batch.router,
        balance.router,
        history.router,
        fallback.router,
    ]
