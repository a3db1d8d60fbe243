"""Handler modules, one topic each; `setup_routers()` builds their routers in dispatch order."""

from aiogram import Router

from bot.handlers import (
    admin,
    balance,
    batch,
    catalogue,
    fallback,
    groups,
    history,
    inputs,
    menu,
    payments,
    predict,
    promo,
    registration,
    settings,
    why,
)


def setup_routers() -> list[Router]:
    """New routers each call: every Dispatcher (a restart in tests, the console) gets its own.
    Payments first: a successful payment must be recorded whatever dialog the user is in.
    Predict next: the paid run is the hot path, and every router before it costs each update its
    filter checks; its dialog handlers (and those of inputs, right after it) only match in Predict
    states and never take a command.
    Group chats before all of them: nothing private is ever shown there (a payment excepted).
    The fallback last."""
    return [
        groups.setup(),
        payments.setup(),
        predict.setup(),
        inputs.setup(),
        catalogue.setup(),
        registration.setup(),
        menu.setup(),
        settings.setup(),
        promo.setup(),
        admin.setup(),
        batch.setup(),
        balance.setup(),
        history.setup(),
        why.setup(),
        fallback.setup(),
    ]
