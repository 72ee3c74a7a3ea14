"""The deploy path makes a runner say where they live and where the alert goes before
anything else, and the two documents that describe it describe one path."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
from terraform_hcl import TERRAFORM_DIR, load_stack, tfvars_files

DEPLOY_DOC = TERRAFORM_DIR.parent / "docs" / "deploy.md"
TERRAFORM_README = TERRAFORM_DIR / "README.md"
FIRST = ("timezone", "alert_email")


@pytest.mark.parametrize("name", FIRST)
def test_the_zone_and_the_alert_address_have_no_default(name: str) -> None:
    # a default zone was New York's, and no address meant no alert: neither may be assumed
    assert "default" not in load_stack().variables[name]


@pytest.mark.parametrize("path", tfvars_files(), ids=lambda path: path.name)
def test_the_shipped_tfvars_leave_the_zone_and_address_for_the_runner_to_write(
    path: Path,
) -> None:
    # given an environment's tfvars as the repository ships them
    text = path.read_text()
    assigned = hcl2.loads(text)
    # then neither is set (so no plan runs until the runner sets them) ...
    for name in FIRST:
        assert name not in assigned, f"{path.name} ships a {name}"
    # ... and the file shows, at the place to edit, what to write and where it is explained
    for name in FIRST:
        assert re.search(rf"^# {name}\s+=", text, re.MULTILINE), f"no example of {name}"
    assert "docs/deploy.md, step 0" in text


def test_the_deploy_doc_starts_with_the_zone_and_the_alert_address() -> None:
    text = DEPLOY_DOC.read_text()
    headings = re.findall(r"^## (\d+)\. (.*)$", text, re.MULTILINE)
    # the steps are numbered in order, from 0
    assert [int(number) for number, _ in headings] == list(range(len(headings)))
    # step 0 is the zone and the address, and shows both lines to write
    zero = text.split("## 1.")[0].split("## 0.")[1]
    assert 'timezone    = "' in zero
    assert 'alert_email = "' in zero
    # and the path ends with an alert at 20:00: the subscription confirmed, the check run
    assert "Subscription Confirmation" in text
    assert '{"streak_action": "check"}' in text


def test_the_terraform_readme_sends_the_reader_down_the_same_path() -> None:
    readme = TERRAFORM_README.read_text()
    doc_steps = re.findall(r"^## (\d+)\. ", DEPLOY_DOC.read_text(), re.MULTILINE)
    # it points at the runbook instead of a bootstrap of its own ...
    assert "docs/deploy.md" in readme
    blocks = "\n".join(re.findall(r"```\w*\n(.*?)```", readme, re.DOTALL))
    for command in ("terraform ", "aws ", "nox "):
        assert command not in blocks, f"terraform/README.md runs its own `{command.strip()}`"
    # ... and lists the runbook's first steps, from 0, as the runbook numbers them
    listed = re.findall(r"^(\d+)\. ", readme, re.MULTILINE)
    assert listed == doc_steps[: len(listed)]
    assert listed[0] == "0"
