"""The webhook benchmark's floor: the bot's own webhook server and middlewares, an echo for handler.

    MODE=webhook ... python -m bench.echo_bot      (the same environment as `python -m bot`)

Everything an update goes through in `python -m bot` (HTTP, secret check, de-duplication, the
user's row, throttling, dialog state, per-user lock) is the same; only the routers differ: a
button press is answered and its message edited to an echo, two Bot API calls, as the paid run
makes at least. What the bot costs beyond this is its own work.
"""

from __future__ import annotations

import sys
from html import escape

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.__main__ import tune_gc
from bot.app import run
from bot.config import Settings
from bot.logs import setup_logging
from bot.middlewares import TapAnswer
from bot.webhook import run_webhook

ECHO_MARK = "Echo: <b>"  # what the benchmark's fake Bot API looks for in the edit


def echo_router() -> Router:
    """What a paid run does on the Telegram side, and nothing else: a toast, then the edit (the
    in-process benchmarks' floor too)."""
    router = Router(name="echo")

    @router.callback_query()
    async def echo(query: CallbackQuery, callback_answer: TapAnswer) -> None:
        await callback_answer.send_now("Running…")
        if isinstance(query.message, Message):
            await query.message.edit_text(
                f"✅ <b>Echo</b> · update #{escape(query.id)}\n{ECHO_MARK}{escape(query.data or '')}</b>"
            )

    return router


def main() -> int:
    settings = Settings()
    setup_logging(settings.log_level, settings.log_format)
    return run(run_webhook(settings, routers=[echo_router()], ready=tune_gc))


if __name__ == "__main__":
    sys.exit(main())
