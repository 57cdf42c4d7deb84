import pytest

from bot.settings import SettingsError, load_settings


def test_defaults(monkeypatch):
    monkeypatch.delenv("NHS_INDEX_URL")
    s = load_settings()
    assert s.database_url == "sqlite:///data/strikewatch.db"
    assert s.nhs_index_url.startswith("https://www.england.nhs.uk/publication/")
    assert s.poll_interval_minutes == 30
    assert "Strikewatch" in s.http_user_agent


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("POLL_INTERVAL_MINUTES=45\nOWNER_IDS=1, 2\n")
    s = load_settings()
    assert s.poll_interval_minutes == 45 and s.owner_id_set == {1, 2}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POLL_INTERVAL_MINUTES", "soon"),
        ("POLL_INTERVAL_MINUTES", "0"),
        ("DATABASE_URL", "mysql://db/strikewatch"),
        ("NHS_INDEX_URL", "not a url"),
        ("MAX_WORKBOOK_BYTES", "-1"),
        ("OWNER_IDS", "alice"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_names_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)
    assert "\n" not in str(err.value)


def test_absolute_database_path(tmp_path):
    s = load_settings(database_url=f"sqlite:///{tmp_path}/x.db")
    assert str(s.database_path) == f"{tmp_path}/x.db"


def test_env_example_documents_every_setting():
    from pathlib import Path

    from bot.settings import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in example, f"{name.upper()} is not in .env.example"
