"""Settings: defaults, normalisation, and one clear sentence for a bad value."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, database_label, load_settings


def test_defaults_and_postgres_url_normalisation() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///opsbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    pg = load_settings(_env_file=None, database_url="postgresql://postgres@127.0.0.1:5432/ops")
    assert pg.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/ops"
    assert load_settings(
        _env_file=None, slack_api_url="http://127.0.0.1:9/api"
    ).slack_api_url.endswith("/")


def test_admins_are_a_set_of_ids() -> None:
    settings = load_settings(_env_file=None, opsbot_admins=" U1, U2 ,,")
    assert settings.admin_ids == {"U1", "U2"}


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("opsbot_timezone", "Mars/Olympus", "OPSBOT_TIMEZONE is invalid: must be an IANA timezone"),
        ("slack_bot_token", "xoxp-user", "SLACK_BOT_TOKEN is invalid: must be a bot token"),
        (
            "database_url",
            "mysql://x",
            "DATABASE_URL is invalid: must be a sqlite:/// or postgresql://",
        ),
        ("opsbot_grace_minutes", "-5", "OPSBOT_GRACE_MINUTES is invalid"),
    ],
)
def test_bad_values_name_the_variable(field: str, value: str, sentence: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **{field: value})
    assert str(caught.value).startswith(sentence)
    assert "\n" not in str(caught.value)


def test_env_file_is_read(tmp_path, monkeypatch) -> None:
    (tmp_path / ".env").write_text("OPSBOT_TIMEZONE=Europe/Berlin\nOPSBOT_ADMINS=U9\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSBOT_TIMEZONE", raising=False)
    monkeypatch.delenv("OPSBOT_ADMINS", raising=False)
    settings = load_settings()
    assert settings.opsbot_timezone == "Europe/Berlin"
    assert settings.admin_ids == {"U9"}


def test_a_database_is_named_by_its_file_or_its_url_without_password() -> None:
    assert database_label("sqlite:///console.db") == "console.db"
    assert database_label("sqlite:////srv/opsbot/opsbot.db") == "/srv/opsbot/opsbot.db"
    assert (
        database_label("postgresql+psycopg://opsbot:s3cret@db.internal:5432/opsbot")
        == "postgresql://opsbot:***@db.internal:5432/opsbot"
    )
