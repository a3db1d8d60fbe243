"""Settings: every one is documented in .env.example, and bad values are clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings

REPO = Path(__file__).resolve().parent.parent


def test_env_example_documents_every_setting() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z_]+)=", text, flags=re.M))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_admin_ids_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("ADMIN_IDS", "1, 2;3 8000000000")
    monkeypatch.setenv("TELEGRAM_API_URL", "")
    s = Settings()
    assert s.admin_ids == frozenset({1, 2, 3, 8_000_000_000})
    assert s.telegram_api_url is None
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.bot_token.get_secret_value() == "" and "SecretStr" in repr(s.bot_token)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "1,abc"),
        ("ML_WORKERS", "0"),
        ("ML_TIMEOUT", "-1"),
        ("BROADCAST_RATE", "100"),
        ("PICKLE_CONVERT_MEMORY_MB", "383"),  # every conversion failed below (the imports alone)
    ],
)
def test_bad_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
