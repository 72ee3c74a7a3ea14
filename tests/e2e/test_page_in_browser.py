"""The streak page in a real browser: the demo athlete served by the local gateway
(`GET /p/{token}` through the real `lambda_handler`), opened by Playwright in Debian's
`chromium` at a phone's 390x844 and a laptop's 1280x800, light and dark.

Each view checks what a runner reads (the status, the streak's length, the time left), that
the browser reported nothing (no console error, no CSP violation), that no request left the
page's origin, and that axe-core finds no serious or critical accessibility violation. The
screenshots are kept in STREAK_ARTIFACTS_DIR (default .artifacts/page/) to look at.

Where the browser is required (CI sets STREAK_REQUIRE_BROWSER=1), a missing Chromium,
Playwright or axe-core fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from streak_lambda.api_gateway import Gateway
from streak_lambda.api_keys import KeyRing
from streak_lambda.composition import install_container
from streak_lambda.gateway_server import RunningGateway
from streakcore.bootstrap import Services
from streakcore.domain.evening_check import EveningCheck, format_time_left
from streakcore.domain.rules import StreakRule
from streakcore.entrypoints.cli.main import main
from streakcore.settings import Settings
from streakcore.storage.duckdb import DuckDBFiles

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]

REPO = Path(__file__).resolve().parents[2]
REQUIRE_BROWSER_ENV = "STREAK_REQUIRE_BROWSER"
AXE_ENV = "STREAK_AXE_JS"
DEFAULT_AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS_ENV = "STREAK_ARTIFACTS_DIR"
DEFAULT_ARTIFACTS = REPO / ".artifacts" / "page"
HOME = ZoneInfo("America/New_York")
TOKEN = "e2e-page-token-0123456789abcdefghij"
VIEWPORTS = {"phone": (390, 844), "laptop": (1280, 800)}
SCHEMES = ("light", "dark")


def _required() -> bool:
    return os.environ.get(REQUIRE_BROWSER_ENV) == "1"


def _missing(what: str) -> None:
    if _required():
        pytest.fail(f"{what}; {REQUIRE_BROWSER_ENV}=1 says this machine has it")
    pytest.skip(what)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        _missing("needs Debian's `chromium` on PATH (apt-get install chromium)")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def axe_source() -> str:
    path = Path(os.environ.get(AXE_ENV) or DEFAULT_AXE)
    if not path.is_file():
        _missing(f"needs axe-core at {path} (npm install --prefix .cache/axe axe-core)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        _missing("needs Playwright for Python (pip install -e '.[dev]')")
    # Debian's Chromium: Playwright's own browser download cannot work here.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass(frozen=True)
class Moment:
    name: str
    now: datetime
    check: EveningCheck


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`streak demo`'s athlete: a year of runs through the real client into DuckDB."""
    directory = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith("STREAK_") and name != REQUIRE_BROWSER_ENV:
                env.delenv(name)
        env.setenv("STREAK_TIMEZONE", "America/New_York")
        env.setenv("STREAK_CACHE_DIR", str(directory / "cache"))
        env.setenv("STREAK_TOKEN_FILE", str(directory / "tokens.json"))
        assert main(["demo", "--dir", str(directory), "--years", "1", "--units", "mi"]) == 0
        yield directory / "runs.duckdb"


def _settings(db: Path) -> Settings:
    return Settings(
        db=str(db),
        cache_dir=db.parent / "cache",
        timezone="America/New_York",
        units="mi",
        page_token=SecretStr(TOKEN),
    )


@pytest.fixture(scope="module")
def moments(demo_db: Path) -> dict[str, Moment]:
    """Two instants the demo's data decides: the evening of its last streak day (done) and
    06:00 the morning after (at risk, 18 hours left)."""
    with DuckDBFiles().open(demo_db, read_only=True, label="demo") as store:
        days = store.days()
    last = max(d.local_date for d in days if d.qualifies(StreakRule()))
    evening = datetime.combine(last, time(23, 0), tzinfo=HOME)
    morning = datetime.combine(last + timedelta(days=1), time(6, 0), tzinfo=HOME)
    services = Services(_settings(demo_db))
    return {
        name: Moment(name, now, services.evening_check(now).check)
        for name, now in (("done", evening), ("at_risk", morning))
    }


@pytest.fixture(scope="module")
def artifacts() -> Path:
    path = Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(params=["done", "at_risk"])
def served(
    request: pytest.FixtureRequest,
    demo_db: Path,
    moments: dict[str, Moment],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, Moment]]:
    """The page URL from a local gateway whose clock stands at the moment."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    from streak_lambda.handler import lambda_handler

    moment = moments[request.param]
    install_container(Services(_settings(demo_db), clock=lambda: moment.now))
    gateway = Gateway(lambda_handler, KeyRing({"personal": SecretStr("k" * 24)}))
    try:
        with RunningGateway(gateway, "127.0.0.1", 0) as running:
            yield f"{running.url}/p/{TOKEN}", moment
    finally:
        install_container(None)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_demo_page_reads_right_and_clean_in_a_browser(
    browser: Any,
    axe_source: str,
    served: tuple[str, Moment],
    artifacts: Path,
    viewport: str,
    scheme: str,
) -> None:
    url, moment = served
    check = moment.check
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in {"error", "warning"} else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        # when the runner opens the link
        response = page.goto(url, wait_until="load")
        assert response is not None
        assert response.status == 200
        page.screenshot(
            path=str(artifacts / f"{moment.name}-{viewport}-{scheme}.png"), full_page=True
        )

        # then it says what the evening check says, in big type
        headline = page.locator("h1").inner_text()
        assert headline == {"done": "Done today", "at_risk": "At risk"}[moment.name]
        assert page.locator("#streak-days").inner_text() == f"{check.streak_days:,}"
        status_text = page.locator("section.status").inner_text()
        if check.at_risk:
            assert check.time_left_s == 18 * 3600
            assert f"{format_time_left(check.time_left_s)} left" in status_text
            assert "18 h 00 min left" in status_text
            assert "Run 1.00 mi" in status_text
        else:
            assert "The streak is safe until midnight" in status_text

        # nothing reported, nothing fetched from elsewhere
        assert problems == []
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        leaving = [r for r in requests if not (r.startswith(origin) or r.startswith("data:"))]
        assert leaving == []

        # the page fits the viewport: no sideways scrolling of the page itself
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width

        # axe-core, run through the DevTools protocol (the page's CSP allows no script)
        page.evaluate(axe_source)
        result = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
            "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))"
        )
        axe_report = artifacts / f"{moment.name}-{viewport}-{scheme}-axe.json"
        axe_report.write_text(json.dumps(result, indent=1))
        serious = [v for v in result if v["impact"] in {"serious", "critical"}]
        assert serious == [], serious
    finally:
        context.close()


def test_the_page_is_well_under_100_kb(demo_db: Path, moments: dict[str, Moment]) -> None:
    from streakcore.render.page_html import page_html
    from streakcore.usecases.page import served_page_facts

    settings = _settings(demo_db)
    services = Services(settings)
    facts = served_page_facts(
        services.read_database,
        now=moments["at_risk"].now,
        tz=settings.zone,
        rule=settings.streak_rule,
        units=settings.units,
    )
    assert len(page_html(facts).html.encode()) < 100_000
