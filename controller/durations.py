"""Parsing ``--wait`` and ``--stuck-after`` durations: ``90s``, ``10m``, ``72h``, ``2d``."""

from __future__ import annotations

import re

from controller.errors import ConfigError

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str, option: str) -> float:
    """Seconds in ``text``; a bare number is seconds. ConfigError on anything else."""
    match = _PATTERN.match(text)
    if match is None:
        raise ConfigError(f"{option}: {text!r} is not a duration like 90s, 10m, 72h or 2d")
    value, unit = match.groups()
    return float(value) * _UNITS[unit or "s"]
