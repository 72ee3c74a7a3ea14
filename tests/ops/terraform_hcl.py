"""Read terraform/ with python-hcl2 into plain Python values the Terraform tests can query.

python-hcl2 8 keeps the quotes of string literals and labels ('"sync"'), marks blocks with
`__is_block__` and wraps expressions as "${...}". Tests want `"sync"` -> `sync` and no
markers, so everything passes through `normalise` whatever version parsed it.

A block with `for_each` over a map written in the code (a local, a literal, or
`toset([...])` of literals) is read as its instances, `name["key"]`, with `each.key` and
`each.value` put in; `dynamic` blocks become the blocks they make. Tests then read every
alarm or route the way Terraform will create it.
"""

from __future__ import annotations

import json
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


# ------------------------------------------------------------- instances and bindings

_REFERENCE_TAIL = r"(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_SIMPLE_EXPRESSION = re.compile(r'^[A-Za-z0-9_.\[\]"-]+$')
# A default that is a literal: a number, a quoted string, true, false or null.
_REPLACE = re.compile(r'replace\((?P<subject>"[^"]*"),\s*(?P<old>"[^"]*"),\s*(?P<new>"[^"]*")\)')
_TRY = re.compile(r'try\((?P<reference>[\w.]+),\s*(?P<default>-?[0-9.]+|"[^"]*"|true|false|null)\)')


def interpolations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level `${...}` in `text`, braces and strings inside counted."""
    spans = []
    index = 0
    while (start := text.find("${", index)) != -1:
        depth = 0
        position = start + 2
        in_string = False
        while position < len(text):
            char = text[position]
            if in_string:
                if char == "\\":
                    position += 1
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    break
                depth -= 1
            position += 1
        spans.append((start, position + 1))
        index = position + 1
    return spans


def hcl_text(value: Any) -> str:
    """How a value reads inside an HCL expression."""
    if isinstance(value, str):
        spans = interpolations(value)
        if spans == [(0, len(value))]:
            inner = value[2:-1]
            return inner if _SIMPLE_EXPRESSION.match(inner) else f"({inner})"
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _bound(name: str, reference: str, key: str, item: Any) -> Any:
    """The value `<name>.key` or `<name>.value.a.b` stands for in one instance."""
    parts = reference.split(".")[1:]
    if parts == ["key"]:
        return key
    current, rest = item, parts[1:]
    while rest and isinstance(current, dict):
        if rest[0] not in current:
            raise LookupError(f"{reference}: no {rest[0]!r} in {sorted(current)}")
        current, rest = current[rest[0]], rest[1:]
    if rest:
        # An attribute of something the map only names (a resource): keep the reference.
        body = hcl_text(current)
        assert _SIMPLE_EXPRESSION.match(body), f"cannot follow {reference} into {current!r}"
        return "${" + ".".join([body, *rest]) + "}"
    return current


def bind(value: Any, name: str, key: str, item: Any) -> Any:
    """`value` as it reads for one instance: `<name>.key` and `<name>.value...` put in."""
    if isinstance(value, dict):
        return {field: bind(entry, name, key, item) for field, entry in value.items()}
    if isinstance(value, list):
        return [bind(entry, name, key, item) for entry in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    pattern = re.compile(rf"\b{re.escape(name)}\.(?:key|value{_REFERENCE_TAIL})")
    spans = interpolations(value)
    if spans == [(0, len(value))]:
        inner = value[2:-1]
        if pattern.fullmatch(inner):
            return _bound(name, inner, key, item)
        # `try(each.value.x, default)`: the entry's own value, or the default it leaves.
        fallback = _TRY.fullmatch(inner)
        if fallback and pattern.fullmatch(fallback.group("reference")):
            try:
                return _bound(name, fallback.group("reference"), key, item)
            except LookupError:
                return json.loads(fallback.group("default"))
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces.append(value[last:start])
        inner = value[start + 2 : end - 1]
        if pattern.fullmatch(inner):
            bound = _bound(name, inner, key, item)
            if isinstance(bound, str):
                pieces.append(bound)
            else:
                pieces.append(hcl_text(bound))
        else:
            replaced = pattern.sub(lambda match: hcl_text(_bound(name, match[0], key, item)), inner)
            pieces.append("${" + replaced + "}")
        last = end
    pieces.append(value[last:])
    return "".join(pieces)


_TOSET = re.compile(r"^toset\(\[(?P<items>.*)\]\)$", re.DOTALL)


@dataclass(frozen=True)
class Stack:
    """Every top-level block of terraform/*.tf, keyed the way Terraform addresses them.

    `resources` and `data` hold the blocks as written; `instances` and `data_instances`
    hold what Terraform makes of them, a block with for_each once per key as
    `name["key"]`. Lookups by name go through the instances.
    """

    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    instances: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data_instances: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    moved: list[dict[str, str]] = field(default_factory=list)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        """One resource instance: `("aws_iam_role", "sync")` or `(kind, 'this["sync"]')`."""
        assert (kind, name) in self.instances, f"{kind}.{name} is not declared"
        return self.instances[(kind, name)]

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for (rtype, name), body in self.instances.items() if rtype == kind}

    def data_source(self, kind: str, name: str) -> dict[str, Any]:
        assert (kind, name) in self.data_instances, f"data.{kind}.{name} is not declared"
        return self.data_instances[(kind, name)]

    def policy_documents(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from (
            (name, body)
            for (kind, name), body in self.data_instances.items()
            if kind == "aws_iam_policy_document"
        )

    def policy_statements(self, name: str) -> list[dict[str, Any]]:
        """Every statement a policy document ends up with, its source documents' first."""
        document = self.data_source("aws_iam_policy_document", name)
        found = []
        for source in document.get("source_policy_documents", []):
            match = re.fullmatch(r"data\.aws_iam_policy_document\.(.+)\.json", expression(source))
            assert match, f"{name}: cannot follow source document {source}"
            found.extend(self.policy_statements(match.group(1)))
        return [*found, *blocks(document, "statement")]

    def local(self, reference: Any) -> Any:
        """Follow `local.name` (as an expression) to its value; other values pass through."""
        text = expression(reference)
        if text.startswith("local.") and text[len("local.") :] in self.locals:
            return self.locals[text[len("local.") :]]
        return reference

    def resolve(self, value: Any) -> Any:
        """`value` with what the code itself decides put in: locals, attributes written as
        literals on other resources (`aws_api_gateway_method.x.http_method`), and
        `replace()` of literals. What only AWS knows (ids, ARNs) stays a reference."""
        if isinstance(value, dict):
            return {field: self.resolve(entry) for field, entry in value.items()}
        if isinstance(value, list):
            return [self.resolve(entry) for entry in value]
        if not isinstance(value, str) or "${" not in value:
            return value
        spans = interpolations(value)
        resolved = [self._resolve_expression(value[start + 2 : end - 1]) for start, end in spans]
        if spans == [(0, len(value))]:
            return resolved[0]
        pieces: list[str] = []
        last = 0
        for (start, end), part in zip(spans, resolved, strict=True):
            pieces.append(value[last:start])
            pieces.append(part if isinstance(part, str) else hcl_text(part))
            last = end
        pieces.append(value[last:])
        return "".join(pieces)

    def _resolve_expression(self, text: str) -> Any:
        """One `${...}` body: its value if the code decides it, else "${body}" as it was."""
        unresolved = "${" + text + "}"
        replace = _REPLACE.fullmatch(text)
        if replace:
            subject, old, new = (json.loads(replace.group(g)) for g in ("subject", "old", "new"))
            return str(subject).replace(old, new)
        local = re.fullmatch(r"local\.(\w+)((?:\.\w+)*)", text)
        if local and local.group(1) in self.locals:
            current: Any = self.locals[local.group(1)]
            for attribute in filter(None, local.group(2).split(".")):
                if not isinstance(current, dict) or attribute not in current:
                    return unresolved
                current = current[attribute]
            return self.resolve(current)
        attribute = re.fullmatch(r'(aws_\w+)\.(\w+(?:\["[\w.-]+"\])?)\.(\w+)', text)
        if attribute and (attribute.group(1), attribute.group(2)) in self.instances:
            body = self.instances[(attribute.group(1), attribute.group(2))]
            if attribute.group(3) in body:
                return self.resolve(body[attribute.group(3)])
        return unresolved

    def for_each_items(self, value: Any) -> dict[str, Any]:
        """The map a for_each iterates, when the code spells it out (local, literal, toset)."""
        if isinstance(value, dict):
            return value
        text = expression(value)
        toset = _TOSET.match(text)
        if toset:
            keys = [normalise(item.strip()) for item in toset.group("items").split(",")]
            return {key: key for key in keys if key}
        resolved = self.local(value)
        assert isinstance(resolved, dict), f"cannot read the for_each {value!r}"
        return resolved

    def expand(self, body: dict[str, Any]) -> dict[str, Any]:
        """`body` with its dynamic blocks turned into the blocks they make."""
        expanded: dict[str, Any] = {}
        for name, value in body.items():
            if name == "dynamic":
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                expanded[name] = [self.expand(entry) for entry in value]
            else:
                expanded[name] = value
        for dynamic in blocks(body, "dynamic"):
            for label, spec in dynamic.items():
                iterator = expression(spec.get("iterator", label))
                content = block(spec, "content")
                made = [
                    self.expand(bind(content, iterator, key, item))
                    for key, item in self.for_each_items(spec["for_each"]).items()
                ]
                expanded[label] = [*blocks(expanded, label), *made]
        return expanded

    def instances_of(self, name: str, body: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The instances one block makes, by the name Terraform addresses each one."""
        if "for_each" not in body:
            return {name: self.expand(body)}
        rest = {field: value for field, value in body.items() if field != "for_each"}
        return {
            f'{name}["{key}"]': _without_nulls(self.expand(bind(rest, "each", key, item)))
            for key, item in self.for_each_items(body["for_each"]).items()
        }


def _without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    """An argument set to null is an argument left unset: drop it, as Terraform does."""
    return {
        name: [_without_nulls(entry) if isinstance(entry, dict) else entry for entry in value]
        if isinstance(value, list)
        else value
        for name, value in body.items()
        if value is not None
    }


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
        stack.moved.extend(
            {"from": expression(entry["from"]), "to": expression(entry["to"])}
            for entry in parsed.get("moved", [])
        )
        stack.terraform.extend(parsed.get("terraform", []))
    # Instances last: a for_each may name a local declared in a later file.
    for (kind, name), body in stack.resources.items():
        for instance, expanded in stack.instances_of(name, body).items():
            stack.instances[(kind, instance)] = expanded
    for (kind, name), body in stack.data.items():
        for instance, expanded in stack.instances_of(name, body).items():
            stack.data_instances[(kind, instance)] = expanded
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
