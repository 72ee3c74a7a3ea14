"""The terminal's backfill progress: phases in order, the budget's ETA (issue 12)."""

from __future__ import annotations

from rich.console import Console

from streakcore.entrypoints.cli.commands.sync import _RichProgress


def _shown(progress: _RichProgress, console: Console) -> str:
    bar = progress._bar
    assert bar is not None
    console.print(bar.make_tasks_table(bar.tasks))
    return console.export_text()


def test_progress_shows_the_search_above_the_splits_even_when_the_splits_bar_starts_it() -> None:
    console = Console(record=True, width=120, force_terminal=True)
    with _RichProgress(console) as progress:
        # the search reports its first page before the splits are many enough for a bar
        progress.update("search", 1, None)
        progress.update("splits", 0, 150)
        progress.update("search", 2, None)
        text = _shown(progress, console)
    assert text.index("Searching runs") < text.index("Fetching splits")
    assert "0/150" in text


def test_progress_eta_is_the_budgets_when_the_budget_sets_the_pace() -> None:
    console = Console(record=True, width=120, force_terminal=True)
    with _RichProgress(console) as progress:
        progress.budget_eta(4 * 3600.0)
        progress.update("splits", 10, 900)
        text = _shown(progress, console)
    assert "ETA about 4 h (hourly request budget)" in text


def test_a_long_search_shows_its_bar_before_any_splits_are_asked() -> None:
    console = Console(record=True, width=120, force_terminal=True)
    with _RichProgress(console) as progress:
        progress.update("search", 1, None)
        assert progress._bar is None  # one page: an ordinary sync, no bar
        progress.update("search", 2, None)
        text = _shown(progress, console)
    assert "Searching runs" in text
    assert "Fetching splits" not in text
