"""`-o FILE` of the commands that write a file (heatmap, badge, ledger).

The file is never the database: not the `--db` file under any spelling of its path, none
of the files kept beside it (its write-ahead log, backup and companion documents), and no
other DuckDB database either. It appears whole or not at all: written to a temporary file
beside it and renamed into place, so a failed render never leaves half a file.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from streakcore.entrypoints.cli.commands.arg_types import path_text
from streakcore.errors import ConfigError, echo

STDOUT = "-"
DUCKDB_MAGIC = b"DUCK"
DUCKDB_MAGIC_OFFSET = 8
"""A DuckDB file starts with an 8-byte checksum, then these four bytes."""
WAL_SUFFIX = "wal"


def add_output_arg(
    parser: argparse.ArgumentParser, what: str, *, default: str | None, otherwise: str
) -> None:
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=path_text,
        default=default,
        help=f"write the {what} to this file, not the database or a file kept beside it "
        f"(default: {otherwise})",
    )


def picture_target(given: str | None, default_file: str, stdout: TextIO) -> str:
    """Where a picture goes without `-o`: never onto a terminal (kilobytes of SVG are no
    use there), so into `default_file`; into a pipe or a file, stdout as before."""
    if given is not None:
        return given
    return default_file if stdout.isatty() else STDOUT


def write_output(text: str, target: str, *, db: str) -> None:
    """Write `text` to the file `target` (stdout for `-`), refusing any file of `db`'s."""
    if target == STDOUT:
        sys.stdout.write(text)
        return
    path = Path(target).expanduser()
    try:
        refuse_database_files(path, db, given=target)
        _write_whole(path, text)
    except OSError as exc:
        raise ConfigError(f"cannot write {echo(target)}: {exc.strerror or exc}") from None
    except (ValueError, RuntimeError) as exc:  # a path the OS cannot be asked about; a loop
        raise ConfigError(f"cannot write {echo(target)}: {exc}") from None
    print(f"wrote {target}", file=sys.stderr)


def refuse_database_files(path: Path, db: str, *, given: str) -> None:
    """ConfigError when writing `path` (`given` as typed) would overwrite the database
    `db` (a local path or an `s3://` URL), a file kept beside it, or any DuckDB database."""
    if not db.startswith("s3://"):
        database = Path(db).expanduser()
        for protected in (database, *_beside(database)):
            if _same_file(path, protected):
                raise ConfigError(
                    f"-o {echo(given)} is {_what(protected, database)} (--db {echo(db)}): "
                    "write the output to another file"
                )
    for base, suffix in _beside_what(path):
        if _is_duckdb(base):
            raise ConfigError(
                f"-o {echo(given)} is the {_name_of(suffix)} of the DuckDB database "
                f"{echo(str(base))}: "
                "write the output to another file"
            )
    if _is_duckdb(path):
        raise ConfigError(
            f"-o {echo(given)} is a DuckDB database: write the output to another file"
        )


def _suffixes_beside() -> tuple[str, ...]:
    """What DuckDB and a sync keep next to `<db>`, as the suffixes of `<db>.<suffix>`."""
    from streakcore.usecases.documents.companions import PAGE_TOKEN_SUFFIX, Companion

    return (WAL_SUFFIX, *(c.value for c in Companion), PAGE_TOKEN_SUFFIX)


def _beside(database: Path) -> list[Path]:
    return [database.with_name(f"{database.name}.{suffix}") for suffix in _suffixes_beside()]


def _beside_what(path: Path) -> list[tuple[Path, str]]:
    """The databases `path` would sit beside, were it one of their files (`x.duckdb.wal`
    -> `x.duckdb`), with what it would be to them."""
    found: list[tuple[Path, str]] = []
    for suffix in _suffixes_beside():
        ending = f".{suffix}"
        if path.name.endswith(ending) and len(path.name) > len(ending):
            found.append((path.with_name(path.name.removesuffix(ending)), suffix))
    return found


def _what(protected: Path, database: Path) -> str:
    if protected == database:
        return "the database"
    suffix = protected.name.removeprefix(database.name + ".")
    return f"the {_name_of(suffix)} kept beside the database"


def _name_of(suffix: str) -> str:
    from streakcore.usecases.documents.companions import PAGE_TOKEN_SUFFIX

    names = {WAL_SUFFIX: "write-ahead log", "backup": "backup", PAGE_TOKEN_SUFFIX: "page token"}
    return names.get(suffix, f"{suffix} document")


def _same_file(a: Path, b: Path) -> bool:
    """The same file under any spelling: relative or absolute, through a symlink, `..`,
    or another hard link."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _is_duckdb(path: Path) -> bool:
    """Whether `path` is an existing regular file that starts like a DuckDB database."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False  # a FIFO or a device: nothing to overwrite, and reading could block
        with path.open("rb") as file:
            head = file.read(DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC))
    except OSError:
        return False
    return head[DUCKDB_MAGIC_OFFSET:] == DUCKDB_MAGIC


def _write_whole(path: Path, text: str) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        # /dev/stdout, /dev/null or a FIFO: there is no file to replace, only a stream.
        with path.open("w", encoding="utf-8") as stream:
            stream.write(text)
        return
    # The file a symlink points to is replaced, not the link.
    real = path.resolve()
    fd, staged = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private; the output keeps the mode a plain write would give.
        os.chmod(staged, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(staged, real)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
