"""`streak <command> --help` says what the command really does: only flags it uses, the
defaults as the environment may set them, the exit codes it returns."""

from __future__ import annotations

import pytest

from streakcore.entrypoints.cli.main import main


def help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The help text with argparse's line wrapping undone."""
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    return " ".join(capsys.readouterr().out.split())


RULE_COMMANDS = ["stats", "streaks", "check", "heatmap", "badge", "ledger"]


@pytest.mark.parametrize("command", RULE_COMMANDS)
def test_the_rule_flag_names_the_setting_that_changes_its_default(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "(default: $STREAK_RULE or usrsa)" in help_of(command, capsys)


@pytest.mark.parametrize("command", [*RULE_COMMANDS, "rules"])
def test_the_minimum_distance_flag_names_the_setting_that_changes_its_default(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "(default: $STREAK_MIN_DISTANCE or 1mi)" in help_of(command, capsys)


@pytest.mark.parametrize("command", ["stats", "streaks", "rules", "check", "heatmap", "badge"])
def test_the_time_zone_flag_names_its_setting_where_the_command_uses_a_zone(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "(default: $STREAK_TIMEZONE or this machine's zone)" in help_of(command, capsys)


def test_ledger_has_no_time_zone_flag_since_it_has_no_today(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given the help does not offer it
    assert "--tz" not in help_of("ledger", capsys)
    # when it is passed anyway
    code = main(["ledger", "--tz", "Europe/London"])
    # then it is refused rather than silently ignored
    assert code == 2
    assert "--tz" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", ["stats", "streaks", "rules", "check", "heatmap", "ledger", "demo"]
)
def test_every_command_with_distances_for_a_person_takes_units(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(command, capsys)
    assert "--units {km,mi}" in text
    assert "(default: $STREAK_UNITS, else mi for a home zone in the US or the UK" in text


@pytest.mark.parametrize(
    ("command", "replaced"), [("check", "the message"), ("sync", "the summary")]
)
def test_the_json_flag_of_a_command_without_a_table_says_what_it_replaces(
    command: str, replaced: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(command, capsys)
    assert f"print JSON instead of {replaced}" in text
    assert "table" not in text


@pytest.mark.parametrize(
    ("command", "codes"),
    [
        ("check", ["0 safe", "1 at risk", "2 bad usage or setup", "3 the check itself failed"]),
        ("sync", ["0 done", "1 the sync failed", "2 bad usage or setup"]),
    ],
)
def test_help_lists_every_exit_code_the_command_returns(
    command: str, codes: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(command, capsys)
    for code in codes:
        assert code in text
