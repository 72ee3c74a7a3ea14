"""Fixtures every kind of test may ask for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def clean_streak_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Only what a test sets: a developer's own STREAK_* settings must not leak in.

    Home zone New York, no stored tokens, a cache of the test's own; returns the token
    file's path (absent until a test writes it).
    """
    for name in list(os.environ):
        if name.startswith("STREAK_"):
            monkeypatch.delenv(name)
    tokens = tmp_path / "tokens.json"
    monkeypatch.setenv("STREAK_TIMEZONE", "America/New_York")
    monkeypatch.setenv("STREAK_TOKEN_FILE", str(tokens))
    monkeypatch.setenv("STREAK_CACHE_DIR", str(tmp_path / "cache"))
    return tokens
