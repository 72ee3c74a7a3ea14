"""The token file: owner-only, replaced atomically, and silent about what it holds."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from streakcore.errors import TokenStoreError
from streakcore.ports import OAuthTokens
from streakcore.storage.token_file import FileTokenStore

ACCESS = "access-9f2c1e"
REFRESH = "refresh-77ab03"
ISSUED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def tokens(access: str = ACCESS, refresh: str | None = REFRESH) -> OAuthTokens:
    return OAuthTokens(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh) if refresh else None,
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(weeks=12),
    )


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saved_tokens_load_back_exactly(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(tokens())
    loaded = store.load()
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == ACCESS
    assert loaded.refresh_token is not None
    assert loaded.refresh_token.get_secret_value() == REFRESH
    assert (loaded.issued_at, loaded.expires_at) == (ISSUED, ISSUED + timedelta(weeks=12))


def test_nothing_saved_yet_loads_as_none(tmp_path: Path) -> None:
    assert FileTokenStore(tmp_path / "tokens.json").load() is None


def test_the_file_is_readable_by_its_owner_only_and_so_is_a_new_directory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config" / "streakcore" / "tokens.json"
    FileTokenStore(path).save(tokens())
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700


def test_a_save_replaces_the_old_tokens_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(tokens())
    store.save(tokens(access="access-rotated", refresh="refresh-rotated"))
    loaded = store.load()
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == "access-rotated"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]
    assert mode_of(tmp_path / "tokens.json") == 0o600


def test_a_failed_write_keeps_the_previous_tokens_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given tokens on disk
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(tokens())

    # when the rename onto them fails (a full disk, a read-only mount)
    def refuse(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(TokenStoreError, match="No space left") as caught:
        store.save(tokens(access="access-new", refresh="refresh-new"))
    monkeypatch.undo()

    # then the old ones are intact, no temp file lingers, and no token is in the message
    loaded = store.load()
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == ACCESS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]
    assert str(tmp_path / "tokens.json") in str(caught.value)
    assert "refresh-new" not in str(caught.value)
    assert "access-new" not in str(caught.value)


def test_a_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save(tokens())
    path.chmod(0o644)
    with pytest.raises(TokenStoreError, match="chmod 600") as caught:
        FileTokenStore(path).load()
    assert ACCESS not in str(caught.value)


def test_a_file_that_is_not_tokens_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"access_token": "leaky-secret-value"')
    path.chmod(0o600)
    with pytest.raises(TokenStoreError, match="streak auth") as caught:
        FileTokenStore(path).load()
    assert "leaky-secret-value" not in str(caught.value)


def test_a_directory_where_the_file_should_be_is_a_token_store_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.mkdir(mode=0o700)
    with pytest.raises(TokenStoreError, match=str(path)):
        FileTokenStore(path).load()


def test_the_tokens_never_show_in_a_repr() -> None:
    shown = repr(tokens()) + str(tokens()) + tokens().model_dump_json()
    assert ACCESS not in shown
    assert REFRESH not in shown
