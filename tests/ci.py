"""The one rule for what CI requires: with ``CI`` set to a true value, shared data and the
browser must be there, and a test that cannot find them fails instead of skipping."""

from __future__ import annotations

import os

import pytest

FALSE_VALUES = {"", "0", "false", "no", "off"}


def in_ci() -> bool:
    """Whether we run under CI (``CI`` set to anything but an empty or false value)."""
    return os.environ.get("CI", "").strip().lower() not in FALSE_VALUES


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where everything a test needs must be present."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)
