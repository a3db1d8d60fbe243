"""What kind of update this is, where several layers must agree on it."""

from __future__ import annotations

from aiogram.types import TelegramObject, Update


def is_payment(event: TelegramObject) -> bool:
    """A successful payment: money Telegram has already taken. It passes every gate (throttling,
    de-duplication, the disabled check, the per-user lock): it is recorded and credited, keyed
    by its charge id."""
    return (
        isinstance(event, Update)
        and event.message is not None
        and event.message.successful_payment is not None
    )
