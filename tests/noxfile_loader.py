"""The project's noxfile as a module, loaded once per test process.

Loading it registers its sessions with nox; a second load would register them again.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType

NOXFILE = Path(__file__).resolve().parents[1] / "noxfile.py"


@functools.cache
def load_noxfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("streak_noxfile", NOXFILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
