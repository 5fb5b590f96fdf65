"""Configuration file, provider registry and opening a profile's backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from providers import registry
from providers.backends import open_backends
from providers.config import load_config, workspace_profile
from providers.errors import ConfigError, NotFound


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_profiles_with_workspace_shorthand_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
default_profile = "mixed"
[profiles.mixed]
workspace = "ws"
[profiles.mixed.commits]
provider = "git"
path = "/src/other"
""",
    )
    config = load_config(path)
    profile = config.profile(None)
    assert profile.name == "mixed"
    assert profile.concerns["predictions"].provider == "local-logs"
    assert profile.concerns["commits"].settings == {"path": "/src/other"}


def test_unknown_keys_name_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[profiles.a]\nworkspace = 'x'\ncolour = 'red'\n")
    with pytest.raises(
        ConfigError, match=rf"{re.escape(str(path))}: profile 'a': unknown key\(s\) colour"
    ):
        load_config(path)
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(write(tmp_path, "theme = 'dark'\n"))


def test_secrets_are_refused_but_variable_names_allowed(tmp_path: Path) -> None:
    text = "[profiles.a.releases]\nprovider = 'azure-devops'\npat = 'abc'\n"
    with pytest.raises(ConfigError, match="looks like a secret"):
        load_config(write(tmp_path, text))
    ok = load_config(write(tmp_path, text.replace("pat = 'abc'", "pat_env = 'ADO_PAT'")))
    assert ok.profile("a").concerns["releases"].settings == {"pat_env": "ADO_PAT"}


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_config(write(tmp_path, "[profiles\n"))
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    assert load_config(None).profiles == {}  # no default file: empty, not an error


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "[profiles.a]\nworkspace='x'\n[profiles.b]\nworkspace='y'\n")
    )
    with pytest.raises(ConfigError, match=r"unknown profile 'c'.*profiles: a, b"):
        config.profile("c")
    with pytest.raises(ConfigError, match="no profile chosen"):
        config.profile(None)


def test_builtin_providers_are_entry_points() -> None:
    names = set(registry.available())
    assert {"local-logs", "local-rest", "git"} <= names
    with pytest.raises(ConfigError, match="unknown provider 'nope'"):
        registry.load("nope")


def test_a_provider_that_cannot_be_opened_says_why_when_first_used(tmp_path: Path) -> None:
    """Built-in providers are built on first use: opening the profile does not fail, each
    call says why the provider cannot be opened (and tries again)."""
    backends = open_backends(workspace_profile(tmp_path / "empty"))
    assert backends.deployments is not None and backends.commits is not None
    for _ in range(2):
        with pytest.raises(NotFound, match="no such folder"):
            backends.deployments.list_endpoints()
    with pytest.raises(NotFound, match="no such folder"):
        backends.commits.get_commit("HEAD")
    (tmp_path / "empty" / "docs").mkdir(parents=True)
    assert backends.deployments.list_endpoints() == []


def test_one_instance_serves_several_concerns(demo: tuple[Path, object]) -> None:
    backends = open_backends(workspace_profile(demo[0]))
    try:
        assert backends.deployments is backends.models is backends.releases
        assert not backends.problems
    finally:
        backends.close()
