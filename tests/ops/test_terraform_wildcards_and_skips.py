"""Every `*` says why AWS needs it, and every checkov skip says why it is skipped."""

from __future__ import annotations

import re

import pytest
from terraform_hcl import tf_sources, unexplained_wildcards

SKIP = re.compile(r"#checkov:skip=(?P<check>[^:\s]*)(?::(?P<reason>.*))?")
CHECK_ID = re.compile(r"CKV2?_AWS_\d+")
MIN_REASON_WORDS = 6


@pytest.mark.parametrize(("name", "text"), sorted(tf_sources().items()))
def test_every_wildcard_carries_a_comment_saying_why(name: str, text: str) -> None:
    assert unexplained_wildcards(text) == [], f"{name}: explain the * on these lines"


def test_wildcard_check_flags_a_bare_wildcard() -> None:
    # Given a policy statement with a wildcard and no comment
    text = 'statement {\n  actions   = ["s3:GetObject"]\n  resources = ["*"]\n}\n'

    # Then the check points at its line
    assert unexplained_wildcards(text) == [3]


def test_wildcard_check_accepts_a_comment_above_the_list_holding_it() -> None:
    text = (
        "statement {\n"
        "  # X-Ray has no resource-level permissions.\n"
        "  resources = [\n"
        '    "arn:aws:s3:::bucket",\n'
        '    "arn:aws:s3:::bucket/*",\n'
        "  ]\n"
        "}\n"
    )
    assert unexplained_wildcards(text) == []


def test_wildcard_check_ignores_arithmetic_in_metric_math() -> None:
    assert unexplained_wildcards('expression = "100 * errors / requests"\n') == []


@pytest.mark.parametrize(("name", "text"), sorted(tf_sources().items()))
def test_every_checkov_skip_names_a_check_and_gives_a_reason(name: str, text: str) -> None:
    for match in SKIP.finditer(text):
        assert CHECK_ID.fullmatch(match.group("check")), f"{name}: {match.group(0)}"
        reason = match.group("reason") or ""
        assert len(reason.split()) >= MIN_REASON_WORDS, f"{name}: give a reason: {match.group(0)}"
