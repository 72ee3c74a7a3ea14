"""The page token: 256 random bits in a 0600 file, STREAK_PAGE_TOKEN checked for 128, and a
rotation that retires the old token."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from streakcore.errors import ConfigError
from streakcore.storage.page_token import (
    MIN_TOKEN_CHARS,
    FixedPageToken,
    PageTokenFile,
    checked_token,
    token_matches,
)


def test_a_missing_file_gets_a_new_256_bit_token_only_its_owner_can_read(tmp_path: Path) -> None:
    tokens = PageTokenFile(tmp_path / "runs.duckdb.page_token")
    first = tokens.current()
    assert len(first.get_secret_value()) >= 43
    assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600
    assert tokens.current().get_secret_value() == first.get_secret_value()


def test_rotating_replaces_the_token(tmp_path: Path) -> None:
    tokens = PageTokenFile(tmp_path / "t")
    old = tokens.current()
    new = tokens.rotate()
    assert new.get_secret_value() != old.get_secret_value()
    assert tokens.current().get_secret_value() == new.get_secret_value()
    assert not token_matches(old.get_secret_value(), tokens.current())


def test_a_file_others_can_read_is_refused_with_what_to_do(tmp_path: Path) -> None:
    tokens = PageTokenFile(tmp_path / "t")
    tokens.current()
    tokens.path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600") as raised:
        tokens.current()
    assert tokens.path.read_text().strip() not in str(raised.value)


@pytest.mark.parametrize("value", ["short", "x" * (MIN_TOKEN_CHARS - 1), "a b" * 20, "ä" * 30])
def test_a_hand_made_token_needs_128_bits_of_url_safe_characters(value: str) -> None:
    with pytest.raises(ConfigError, match="at least 22 characters"):
        checked_token(value, "STREAK_PAGE_TOKEN")


def test_a_fixed_token_cannot_be_rotated_by_the_program() -> None:
    fixed = FixedPageToken(SecretStr("A" * 30))
    with pytest.raises(ConfigError, match="set it to a new value"):
        fixed.rotate()


@pytest.mark.parametrize(("presented", "expected"), [("abc", True), ("abd", False), ("", False)])
def test_tokens_are_compared_whole(presented: str, expected: bool) -> None:
    assert token_matches(presented, SecretStr("abc")) is expected
