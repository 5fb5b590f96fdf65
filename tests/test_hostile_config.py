"""Odd TOML: every bad value is an error naming the key and the file — deep nesting, paths
leaving their base, secret-looking keys at any depth, wrong types, unknown key actions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from providers.config import load_config
from providers.errors import ConfigError
from tui.cli.main import main


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    return message


def test_deeply_nested_toml_is_a_clear_error(tmp_path: Path) -> None:
    depth = 100_000
    start = time.monotonic()
    _refused(_config(tmp_path, f"a = {'[' * depth}{']' * depth}\n"), "nested too deeply")
    _refused(_config(tmp_path, f"a = {'{ b = ' * depth}1{' }' * depth}\n"), "nested too deeply")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("v1_container", "../../etc"),
        ("v2_prefix", "logs/../../../home"),
        ("v1_container", "a\\\\..\\\\..\\\\b"),  # Azure turns \ into /
    ],
)
def test_a_folder_name_leaving_its_base_is_refused(
    tmp_path: Path, setting: str, value: str
) -> None:
    path = _config(
        tmp_path,
        '[profiles.x.predictions]\nprovider = "local-logs"\npath = "logs"\n'
        f'{setting} = "{value}"\n',
    )
    _refused(path, setting, "profile 'x'")


def test_a_container_name_leaving_its_base_is_refused(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[profiles.x.predictions]\nprovider = "azure-blob"\n'
        'account_url = "https://a.blob.core.windows.net"\ncontainer = ".."\n',
    )
    _refused(path, "container")


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[profiles.x.models.extra]\ntoken = "abc"\n', "extra.token"),
        ('[[profiles.x.models.headers]]\napi_key = "abc"\n', "headers[0].api_key"),
        ('[profiles.x.models.a.b.c]\npassword = "abc"\n', "a.b.c.password"),
    ],
)
def test_a_nested_secret_looking_key_is_refused(tmp_path: Path, table: str, key: str) -> None:
    path = _config(
        tmp_path,
        f'[profiles.x.models]\nprovider = "mlflow"\ntracking_uri = "http://127.0.0.1:1"\n{table}',
    )
    _refused(path, repr(key), "looks like a secret")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[profiles.x]\ndescription = ["a"]\n', "description"),
        ("[profiles.x]\nworkspace = 5\n", "workspace"),
        ("[profiles.x.commits]\nprovider = 5\n", "provider"),
        ('[profiles.x.predictions]\nprovider = "local-logs"\nv1_container = 5\n', "v1_container"),
        ('[case]\npersonal_fields = "email"\n', "personal_fields"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(tmp_path: Path, text: str, key: str) -> None:
    _refused(_config(tmp_path, text), key)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[cache]\ndirectory = 5\n", "directory"),
        ('[cache]\ndirectory = ""\n', "directory"),
        ("[profiles.x]\ncache = { ttl_seconds = -1 }\n", "ttl_seconds"),
    ],
)
def test_a_bad_cache_table_names_the_file_and_creates_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    key: str,
) -> None:
    path = _config(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    assert main(["--config", str(path), "cache", "info"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and key in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no ./5/records


def test_an_unknown_key_action_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(
        tmp_path,
        f'[profiles.x]\nworkspace = "{tmp_path}"\n'
        '[keys]\n"pane.comits" = "f5"\n"pane.deployments" = "f2"\n',
    )
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "'pane.comits'" in err and "pane.deployments" not in err, err
