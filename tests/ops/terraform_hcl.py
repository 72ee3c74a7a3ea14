"""Read terraform/ with python-hcl2 into plain Python values the Terraform tests can query.

python-hcl2 8 keeps the quotes of string literals and labels ('"sync"'), marks blocks with
`__is_block__` and wraps expressions as "${...}". Tests want `"sync"` -> `sync` and no
markers, so everything passes through `normalise` whatever version parsed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

TERRAFORM_DIR = Path(__file__).resolve().parents[2] / "terraform"

_EXPRESSION = re.compile(r"^\$\{(?P<body>.*)\}$", re.DOTALL)


def normalise(value: Any) -> Any:
    """Strip the quotes python-hcl2 keeps around strings and drop its `__x__` markers."""
    if isinstance(value, dict):
        return {
            normalise(key): normalise(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.startswith("__") and key.endswith("__"))
        }
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def expression(value: Any) -> str:
    """The text of an HCL expression: "${var.x}" -> "var.x"; literals as written."""
    text = str(value)
    match = _EXPRESSION.match(text)
    return match.group("body") if match else text


def parse_file(path: Path) -> dict[str, Any]:
    text = path.read_text()
    options_type = getattr(hcl2, "SerializationOptions", None)
    if options_type is None:
        parsed = hcl2.loads(text)
    else:
        options = options_type(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
        parsed = hcl2.loads(text, serialization_options=options)
    result: dict[str, Any] = normalise(parsed)
    return result


def blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Nested blocks of one kind (python-hcl2 gives a list of dicts for each)."""
    found = body.get(name, [])
    return found if isinstance(found, list) else [found]


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The single nested block of one kind; fails loudly when it is missing or repeated."""
    found = blocks(body, name)
    assert len(found) == 1, f"expected one {name} block, found {len(found)}"
    return found[0]


@dataclass(frozen=True)
class Stack:
    """Every top-level block of terraform/*.tf, keyed the way Terraform addresses them."""

    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        assert (kind, name) in self.resources, f"{kind}.{name} is not declared"
        return self.resources[(kind, name)]

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for (rtype, name), body in self.resources.items() if rtype == kind}

    def data_source(self, kind: str, name: str) -> dict[str, Any]:
        assert (kind, name) in self.data, f"data.{kind}.{name} is not declared"
        return self.data[(kind, name)]

    def policy_documents(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from (
            (name, body)
            for (kind, name), body in self.data.items()
            if kind == "aws_iam_policy_document"
        )

    def local(self, reference: Any) -> Any:
        """Follow `local.name` (as an expression) to its value; other values pass through."""
        text = expression(reference)
        if text.startswith("local.") and text[len("local.") :] in self.locals:
            return self.locals[text[len("local.") :]]
        return reference


def _labelled(entries: list[dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for entry in entries:
        for kind, named in entry.items():
            for name, body in named.items():
                yield kind, name, body


@cache
def load_stack(directory: Path = TERRAFORM_DIR) -> Stack:
    stack = Stack()
    for path in sorted(directory.glob("*.tf")):
        parsed = parse_file(path)
        stack.files[path.name] = parsed
        for kind, name, body in _labelled(parsed.get("resource", [])):
            stack.resources[(kind, name)] = body
        for kind, name, body in _labelled(parsed.get("data", [])):
            stack.data[(kind, name)] = body
        for entry in parsed.get("variable", []):
            stack.variables.update(entry)
        for entry in parsed.get("output", []):
            stack.outputs.update(entry)
        for entry in parsed.get("locals", []):
            stack.locals.update(entry)
        stack.terraform.extend(parsed.get("terraform", []))
    return stack


def tf_sources(directory: Path = TERRAFORM_DIR) -> dict[str, str]:
    """Raw text of every .tf file, for checks on comments python-hcl2 does not keep."""
    return {path.name: path.read_text() for path in sorted(directory.glob("*.tf"))}


def tfvars_files(directory: Path = TERRAFORM_DIR) -> list[Path]:
    return sorted((directory / "environments").glob("*.tfvars"))


# ------------------------------------------------------------------ raw-text checks


@dataclass(frozen=True)
class SourceLine:
    """One line split the way a reader sees it: code, string literals, trailing comment."""

    code: str
    """Everything outside string literals and comments, plus the inside of ${...}."""
    literals: tuple[str, ...]
    """The literal text of each string on the line (interpolations left out)."""
    comment: str | None


def split_line(line: str) -> SourceLine:
    code: list[str] = []
    literals: list[str] = []
    current: list[str] = []
    # A stack of contexts: "code", "string", or an int counting braces inside ${ }.
    stack: list[str | int] = ["code"]
    index = 0
    while index < len(line):
        char = line[index]
        top = stack[-1]
        if top == "string":
            if char == "\\":
                current.append(line[index : index + 2])
                index += 2
                continue
            if line.startswith("${", index):
                stack.append(0)
                # Keep neighbouring interpolations apart in `code`.
                code.append(" ")
                index += 2
                continue
            if char == '"':
                literals.append("".join(current))
                current = []
                stack.pop()
            else:
                current.append(char)
            index += 1
            continue
        if char == '"':
            stack.append("string")
            index += 1
            continue
        if top == "code" and (char == "#" or line.startswith("//", index)):
            marker = 1 if char == "#" else 2
            return SourceLine("".join(code), tuple(literals), line[index + marker :].strip())
        if isinstance(top, int):
            if char == "{":
                stack[-1] = top + 1
            elif char == "}":
                if top == 0:
                    stack.pop()
                    code.append(" ")
                    index += 1
                    continue
                stack[-1] = top - 1
        code.append(char)
        index += 1
    return SourceLine("".join(code), tuple(literals), None)


def strip_comments(text: str) -> str:
    """The code of every line (string literals and comments removed, ${...} kept)."""
    return "\n".join(split_line(line).code for line in text.splitlines())


_LIST_ITEM = re.compile(r'^"[^"]*",?$')
_LIST_OPENER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=\s*\[$")
# A glob `*` touches other characters ("s3:*", "arn:...:*", "*"); the `*` of arithmetic
# in a metric-math expression stands between spaces.
_GLOB = re.compile(r"(?:^|\S)\*|\*(?:\S|$)")
_MIN_COMMENT_WORDS = 3


def _has_glob(line: SourceLine) -> bool:
    return any(_GLOB.search(literal) for literal in line.literals)


def _comment_block_above(lines: list[str], last: int) -> str:
    """The run of comment-only lines ending at `last`, joined."""
    words: list[str] = []
    while last >= 0 and lines[last].strip().startswith(("#", "//")):
        words.insert(0, lines[last].strip().lstrip("#/"))
        last -= 1
    return " ".join(words)


def unexplained_wildcards(text: str) -> list[int]:
    """Line numbers of string literals holding a `*` glob with no comment saying why.

    A wildcard counts as explained by a comment of a few words at the end of its line,
    or just above it, climbing over the other items and the opening line of the list it
    sits in, and over neighbouring lines that hold wildcards too (a principal's type and
    identifiers).
    """
    lines = text.splitlines()
    parsed = [split_line(line) for line in lines]
    unexplained = []
    for number, line in enumerate(parsed):
        if not _has_glob(line):
            continue
        if line.comment is not None and len(line.comment.split()) >= _MIN_COMMENT_WORDS:
            continue
        above = number - 1
        while above >= 0:
            candidate = lines[above].strip()
            if candidate.startswith(("#", "//")):
                break
            if (
                _LIST_ITEM.match(candidate)
                or _LIST_OPENER.match(candidate)
                or _has_glob(parsed[above])
            ):
                above -= 1
                continue
            break
        if len(_comment_block_above(lines, above).split()) < _MIN_COMMENT_WORDS:
            unexplained.append(number + 1)
    return unexplained
