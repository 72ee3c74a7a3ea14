"""Subcommands of `streak`, one module each, each with `register(subparsers)`."""

from __future__ import annotations

import importlib
from types import ModuleType

# Order is the order `streak --help` lists them in.
COMMAND_MODULES: tuple[str, ...] = (
    "stats",
    "sync",
    "import_files",
    "add",
    "auth",
    "demo",
    "rules",
    "check",
    "heatmap",
    "badge",
    "ledger",
    "page",
)


def load_command(name: str) -> ModuleType:
    return importlib.import_module(f"streakcore.entrypoints.cli.commands.{name}")
