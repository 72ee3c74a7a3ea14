"""The streak page: what it says in each state, and that it carries nothing from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

from helpers import at
from page_fixtures import TODAY, daily_runs_ending, page_for, run, ten_days_to_yesterday
from streakcore.render.page_assets import content_security_policy, style_hashes

MAX_PAGE_BYTES = 100_000


def text_of(html: str) -> str:
    """The page's visible words, tags and the inline SVG's markup left out."""
    without_svg = re.sub(r"<svg.*?</svg>", " ", html, flags=re.DOTALL)
    without_head = re.sub(r"<head>.*?</head>", " ", without_svg, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_head))


def test_at_risk_says_what_is_still_needed_and_the_time_left_to_midnight() -> None:
    # given a 10-day streak through yesterday and no run today
    runs = ten_days_to_yesterday()
    # when the page is drawn at 19:59 home time
    page = page_for(runs, "2026-11-25T19:59:00-05:00")
    # then it says at risk, the mile still needed and the 4 h 01 min left
    words = text_of(page.html)
    assert "At risk" in words
    assert "Run 1.00 mi before midnight: 4 h 01 min left" in words
    assert "Missing today ends a 10-day streak" in words
    assert re.search(r'id="streak-days">10<', page.html)


def test_a_short_run_today_leaves_the_rest_of_the_distance_to_run() -> None:
    # given the streak and half a mile run this morning
    runs = [*ten_days_to_yesterday(), run(TODAY, 0.5)]
    # when drawn in the evening
    words = text_of(page_for(runs, "2026-11-25T20:00:00-05:00").html)
    # then the half mile still needed is what it asks for
    assert "Run 0.50 mi more before midnight: 4 h 00 min left" in words


def test_done_today_says_the_distance_run_and_counts_today_in_the_streak() -> None:
    runs = [*ten_days_to_yesterday(), run(TODAY, 3.0)]
    page = page_for(runs, "2026-11-25T20:00:00-05:00")
    words = text_of(page.html)
    assert "Done today" in words
    assert "3.00 mi in 1 run today" in words
    assert re.search(r'id="streak-days">11<', page.html)
    assert "Next milestone: 100 days" in words


def test_a_streak_that_missed_yesterday_is_broken() -> None:
    runs = daily_runs_ending(TODAY - timedelta(days=2))
    words = text_of(page_for(runs, "2026-11-25T09:00:00-05:00").html)
    assert "Broken" in words
    assert "Run today to start a new streak" in words


def test_without_runs_the_page_says_so_instead_of_a_broken_streak() -> None:
    words = text_of(page_for([], "2026-11-25T09:00:00-05:00").html)
    assert "No runs yet" in words
    assert "Broken" not in words


def test_stale_data_and_a_failed_sync_get_a_line() -> None:
    runs = ten_days_to_yesterday()
    stale = page_for(runs, "2026-11-25T20:00:00-05:00", last_sync=at("2026-11-22T20:00:00-05:00"))
    failed = page_for(runs, "2026-11-25T20:00:00-05:00", sync_failed=True)
    assert "No sync for over a day" in text_of(stale.html)
    assert "The last sync failed" in text_of(failed.html)
    fresh = page_for(runs, "2026-11-25T20:00:00-05:00")
    assert "No sync for over a day" not in text_of(fresh.html)


def test_the_page_draws_the_last_12_months_and_today_ringed() -> None:
    page = page_for(ten_days_to_yesterday(), "2026-11-25T20:00:00-05:00")
    assert page.html.count("<svg") == 1
    assert 'class="hm-today"' in page.html
    assert "Last 12 months" in text_of(page.html)


def test_every_style_is_allowed_by_its_hash_and_nothing_else_is_allowed() -> None:
    page = page_for(ten_days_to_yesterday(), "2026-11-25T20:00:00-05:00")
    styles = re.findall(r"<style>(.*?)</style>", page.html, flags=re.DOTALL)
    assert len(styles) == 2  # the page's and the heatmap's
    for text in styles:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in page.content_security_policy
    assert "unsafe" not in page.content_security_policy
    assert "default-src 'none'" in page.content_security_policy
    assert "frame-ancestors 'none'" in page.content_security_policy
    assert ' style="' not in page.html
    assert "<script" not in page.html


def test_the_meta_policy_matches_the_header_but_for_frame_ancestors() -> None:
    page = page_for(ten_days_to_yesterday(), "2026-11-25T20:00:00-05:00")
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page.html)
    assert meta is not None
    assert meta.group(1).replace("&#x27;", "'") == content_security_policy(page.html, for_meta=True)
    assert "frame-ancestors" not in meta.group(1)


def test_nothing_is_loaded_from_anywhere_but_data_urls() -> None:
    page = page_for(ten_days_to_yesterday(), "2026-11-25T20:00:00-05:00")
    for url in re.findall(r'(?:src|href)="([^"]*)"', page.html):
        assert url.startswith("data:"), url
    assert "@import" not in page.html
    assert "url(" not in page.html


def test_the_page_is_not_to_be_indexed_and_sends_no_referrer() -> None:
    html = page_for(ten_days_to_yesterday(), "2026-11-25T20:00:00-05:00").html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert '<meta name="referrer" content="no-referrer">' in html
    assert 'rel="manifest" href="data:application/manifest+json,' in html


def test_a_year_of_daily_runs_stays_under_100_kb() -> None:
    runs = daily_runs_ending(TODAY, days=800)
    html = page_for(runs, "2026-11-25T20:00:00-05:00").html
    assert len(html.encode()) < MAX_PAGE_BYTES


def test_style_hashes_are_unique_per_distinct_style() -> None:
    assert len(style_hashes("<style>a</style><style>a</style><style>b</style>")) == 2


def test_a_new_run_redraws_the_heatmap_of_the_same_day() -> None:
    # given the page drawn twice the same evening, the second time after a run
    before = page_for(ten_days_to_yesterday(), "2026-11-25T20:00:00-05:00").html
    after = page_for([*ten_days_to_yesterday(), run(TODAY, 3.0)], "2026-11-25T20:00:00-05:00")
    # then the second heatmap shows today's run
    heatmap_of = re.compile(r"<svg.*?</svg>", re.DOTALL)
    old, new = heatmap_of.search(before), heatmap_of.search(after.html)
    assert old is not None
    assert new is not None
    assert old.group(0) != new.group(0)
    assert "Wed 2026-11-25: 3.00 mi (1 run)" in new.group(0)
