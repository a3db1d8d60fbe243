"""Routers per feature; get_routers() gives them in dispatch order, fallbacks last."""

from aiogram import Router

from bot.handlers import admin, balance, batch, common, fallback, history, payments, predict


def get_routers() -> list[Router]:
    # payments first: a successful payment must be recorded whatever dialog the user is in.
    # predict next: the paid run is the hot path, and every router before it costs each update
    # its filter checks; its dialog handlers only match in Predict states and never take a command.
    routers = [
        payments.router,
        predict.router,
        common.router,
        admin.router,
        batch.router,
        balance.router,
        history.router,
        fallback.router,
    ]
    for router in routers:
        # Module routers are singletons; a new Dispatcher (a restart in tests, the console)
        # takes them over from the previous one.
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None
    return routers
