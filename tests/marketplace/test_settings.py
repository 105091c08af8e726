"""ApiSettings.from_env: target choice, credentials, the insecure-http refusal."""

from __future__ import annotations

import pickle

import pytest

from controller.errors import ConfigError
from controller.marketplace.settings import (
    EMBEDDED_BASE_URL,
    ApiSettings,
    Secret,
    check_base_url,
)

CREDS = {
    "SUBCTL_USERNAME": "u1",
    "SUBCTL_PASSWORD": "hunter2-pw",
    "SUBCTL_SUBSCRIPTION_KEY": "k3y-value",
}


def test_option_wins_over_environment_and_trailing_slash_goes() -> None:
    env = {**CREDS, "SUBCTL_API_URL": "https://env.example.com"}
    settings = ApiSettings.from_env("https://opt.example.com/api/", environ=env)
    assert settings.base_url == "https://opt.example.com/api"
    assert settings.username == "u1"
    assert settings.password.reveal() == "hunter2-pw"
    assert settings.subscription_key.reveal() == "k3y-value"
    assert settings.marketplace == "uk"
    assert not settings.embedded
    assert (settings.page_size, settings.max_concurrency) == (100, 8)


def test_environment_url_and_marketplace() -> None:
    env = {**CREDS, "SUBCTL_API_URL": "https://env.example.com", "SUBCTL_MARKETPLACE": "IE"}
    settings = ApiSettings.from_env(None, environ=env)
    assert (settings.base_url, settings.marketplace) == ("https://env.example.com", "ie")
    assert ApiSettings.from_env(None, marketplace_option="uk", environ=env).marketplace == "uk"


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://10.0.0.5:8080", "http://192.168.1.1"]
)
def test_plain_http_to_remote_host_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="plain http"):
        ApiSettings.from_env(url, environ=CREDS)
    allowed = ApiSettings.from_env(url, environ={**CREDS, "SUBCTL_ALLOW_INSECURE_HTTP": "1"})
    assert allowed.base_url == url


@pytest.mark.parametrize(
    "url", ["http://localhost:8080", "http://127.0.0.1:9", "http://127.8.0.1", "http://[::1]:80"]
)
def test_plain_http_to_loopback_allowed(url: str) -> None:
    assert ApiSettings.from_env(url, environ=CREDS).base_url.startswith("http://")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com", "https://"),
        ("https://user:hunter2-pw@example.com", "credentials"),
        ("https://example.com/?a=1", "query"),
        ("not a url", "https://"),
    ],
)
def test_bad_urls_refused_without_echoing_them(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        check_base_url(url)
    assert "hunter2" not in str(info.value)


def test_missing_credentials_named_not_shown() -> None:
    env = {"SUBCTL_USERNAME": "u1", "SUBCTL_PASSWORD": "hunter2-pw"}
    with pytest.raises(ConfigError, match="SUBCTL_SUBSCRIPTION_KEY") as info:
        ApiSettings.from_env("https://api.example.com", environ=env)
    assert "hunter2" not in str(info.value)


def test_no_url_means_embedded_sandbox_with_default_credentials() -> None:
    settings = ApiSettings.from_env(None, environ={})
    assert settings.embedded
    assert settings.base_url == EMBEDDED_BASE_URL
    assert (settings.username, settings.password.reveal()) == ("sandbox", "sandbox")
    assert settings.subscription_key.reveal() == "sandbox-key"
    assert ApiSettings.from_env("sandbox", environ={"CI": "true"}).embedded


def test_ci_without_url_refused() -> None:
    with pytest.raises(ConfigError, match="SUBCTL_API_URL=sandbox"):
        ApiSettings.from_env(None, environ={"CI": "true"})


def test_nonsense_limits_refused() -> None:
    with pytest.raises(ConfigError):
        ApiSettings(
            base_url="https://x",
            username="u",
            password=Secret("p"),
            subscription_key=Secret("k"),
            page_size=0,
        )


def test_secret_never_shows_itself() -> None:
    secret = Secret("hunter2-pw")
    assert repr(secret) == "'***'"
    assert str(secret) == f"{secret}" == "***"
    assert secret == Secret("hunter2-pw")
    assert secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    settings = ApiSettings.from_env("https://api.example.com", environ=CREDS)
    assert "hunter2" not in repr(settings)
    assert "k3y-value" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_max_rate_from_environment_and_its_default() -> None:
    env = {**CREDS, "SUBCTL_API_URL": "https://env.example.com"}
    assert ApiSettings.from_env(None, environ=env).max_rate == 200.0
    assert ApiSettings.from_env(None, environ={**env, "SUBCTL_MAX_RATE": " 12.5 "}).max_rate == 12.5
    assert ApiSettings.from_env("sandbox", environ={"SUBCTL_MAX_RATE": "3"}).max_rate == 3.0


@pytest.mark.parametrize("value", ["fast", "0", "-5", "inf", "nan"])
def test_max_rate_that_is_not_a_positive_number_is_refused(value: str) -> None:
    env = {**CREDS, "SUBCTL_API_URL": "https://env.example.com", "SUBCTL_MAX_RATE": value}
    with pytest.raises(ConfigError, match="SUBCTL_MAX_RATE"):
        ApiSettings.from_env(None, environ=env)
