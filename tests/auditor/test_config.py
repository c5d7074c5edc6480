"""Settings: unknown keys and bad values name the key; env overrides; every key is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import DEFAULT_CONFIG, PLATFORM_KEYS, SCHEMA, ConfigError, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def write(tmp_path, text):
    p = tmp_path / "a.toml"
    p.write_text(text)
    return p


def test_defaults_load():
    s = load_settings(DEFAULT_CONFIG, env={})
    assert s["checks"]["stale_scan_days"] == 7


def test_unknown_key_is_named(tmp_path):
    p = write(tmp_path, "[checks]\nstale_scan_dayz = 3\n")
    with pytest.raises(ConfigError, match=r"checks\.stale_scan_dayz: unknown key"):
        load_settings(p, env={})


def test_unknown_section_is_named(tmp_path):
    p = write(tmp_path, "[chekcs]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"chekcs: unknown section"):
        load_settings(p, env={})


def test_bad_value_is_named(tmp_path):
    p = write(tmp_path, '[checks]\nstale_scan_days = "seven"\n')
    with pytest.raises(ConfigError, match=r"checks\.stale_scan_days: expected int, got str 'seven'"):
        load_settings(p, env={})
    p = write(tmp_path, "[platforms.x]\nbase_urll = 'https://a'\n")
    with pytest.raises(ConfigError, match=r"platforms\.x\.base_urll: unknown key"):
        load_settings(p, env={})


def test_invalid_toml_names_the_file(tmp_path):
    p = write(tmp_path, "[checks\n")
    with pytest.raises(ConfigError, match=f"{p}: not valid TOML"):
        load_settings(p, env={})


def test_environment_overrides(tmp_path):
    p = write(tmp_path, '[database]\nurl = "sqlite:///x.db"\n')
    s = load_settings(None, env={"AUDITOR_CONFIG": str(p), "AUDITOR_DATABASE_URL": "postgresql+psycopg://h/db"})
    assert s.database_url == "postgresql+psycopg://h/db"
    s = load_settings(p, env={})
    assert s.database_url == f"sqlite:///{tmp_path / 'x.db'}"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [f"{sec}.{key}" for sec, keys in SCHEMA.items() for key in keys if f"`{sec}.{key}`" not in text]
    missing += [f"platforms.NAME.{k}" for k in PLATFORM_KEYS if f"`platforms.NAME.{k}`" not in text]
    assert not missing, f"settings not documented in README.md: {missing}"


def test_readme_settings_table_is_current():
    from auditor.config import settings_markdown
    assert settings_markdown() in README.read_text(encoding="utf-8"), "run: python -m auditor.config"
