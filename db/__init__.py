"""Async SQLAlchemy data layer: the seed schema, sessions, repositories and the ledger."""
