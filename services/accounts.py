"""Accounts: registration, login, language, balance and history."""

from __future__ import annotations

from db.models import User

# The user a handler sees: a detached snapshot of their row, read once per update by the context
# middleware. Read-only: a change goes through a service method.
__all__ = ["User"]
