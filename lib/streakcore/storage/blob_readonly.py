"""A blob store the read paths cannot write to, whatever a bug asks of them."""

from __future__ import annotations

from pathlib import Path

from streakcore.errors import BlobStoreError
from streakcore.ports import Blob, BlobStore, LocalCopy


class ReadOnlyBlobStore:
    """A blob store the read paths cannot write to, whatever a bug asks of them."""

    def __init__(self, inner: BlobStore) -> None:
        self._inner = inner

    def fetch(self, key: str) -> LocalCopy | None:
        return self._inner.fetch(key)

    def read(self, key: str) -> Blob | None:
        return self._inner.read(key)

    def replace(self, key: str, data: Path | bytes, *, expected: str | None) -> str:
        raise self._refusal(key)

    def put(self, key: str, data: bytes) -> str:
        raise self._refusal(key)

    def copy(self, source_key: str, target_key: str, *, expected: str) -> None:
        raise self._refusal(target_key)

    @staticmethod
    def _refusal(key: str) -> BlobStoreError:
        return BlobStoreError(f"refusing to write {key}: this store was opened read-only")
