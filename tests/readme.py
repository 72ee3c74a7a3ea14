"""The README's fenced code blocks, read the way a person copies them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    lang: str
    body: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.body.splitlines() if line.strip()]


def readme_blocks(text: str | None = None) -> list[Block]:
    """Every fenced block of the README, in order, with its language tag."""
    source = README.read_text(encoding="utf-8") if text is None else text
    return [Block(m["lang"], m["body"]) for m in _FENCE.finditer(source)]
