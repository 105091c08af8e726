"""Durations for --wait and --stuck-after."""

import pytest

from controller.durations import parse_duration
from controller.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("72h", 259200), ("2d", 172800), ("15", 15), ("1.5m", 90)],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text, "--wait") == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5s", "10x", "1h30m"])
def test_refused_with_option_name(text: str) -> None:
    with pytest.raises(ConfigError, match="--wait"):
        parse_duration(text, "--wait")
