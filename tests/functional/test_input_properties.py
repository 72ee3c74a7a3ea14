"""Whatever a runner types or a client sends, the answer is an answer or one refusal.

Hypothesis drives the terminal's flags (`streak ...`, in-process) and `GET /stats`'s query
(through `lambda_handler`, as API Gateway REST events) with zones, instants, distances,
rules, years, counts, budgets and dates: well-formed ones, the ends of their ranges and
far past them, and arbitrary text with NUL, newlines and stray unicode. Every outcome is
exit 0 (or 1, "at risk", for `check`) / HTTP 200, or exit 2 with exactly one
`streak: error:` line / HTTP 400 with a JSON message; never a traceback, never a 500, and
the database is never changed.

The example count is modest for the suite's sake; EDGE_EXAMPLES=2000 runs a long search.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_outcome
from hypothesis import strategies as st

from cli_outcome import streak
from fixtures.aws import event
from helpers import daily_runs, mile_splits
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

EXAMPLES = int(os.environ.get("EDGE_EXAMPLES", "60"))
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
API_KEY = "fixture-key-not-a-real-secret-0123456789"

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

# -- what people type ------------------------------------------------------------------------

weird_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("/.\\-+_:Z T0123456789\x00\n\t\udcff é٣"), max_size=40),
    st.sampled_from(["", " ", "\x00", "\udcff", "nan", "inf", "-inf", "1e400", "-1", "0"]),
    st.integers(min_value=256, max_value=5000).map(lambda n: "A" * n),
)


def mostly(
    usable: st.SearchStrategy[str], *unusable: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """Usable values about half the time, so that examples reach the answers as well as
    the refusals; the rest from the edges and from `weird_text`."""
    others = st.one_of(*unusable, weird_text)
    return st.booleans().flatmap(lambda usable_now: usable if usable_now else others)


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
zones = mostly(
    st.sampled_from(
        [
            *("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Kiritimati", "UTC"),
            *("Etc/GMT+12", "Etc/GMT-14", "Australia/Lord_Howe", "America/St_Johns"),
        ]
    ),
    st.sampled_from(["America", "Europe", "Etc", "US", "posix", "right", "localtime"]),
    st.sampled_from(["../../etc/passwd", "/etc/localtime", "America/../Europe/London"]),
    st.sampled_from(["zone.tab", "tzdata.zi", "America/", "Factory", "EST5EDT"]),
)
instants = mostly(
    st.datetimes(
        min_value=datetime(1969, 12, 30),
        max_value=datetime(2201, 1, 2),
        timezones=st.one_of(st.none(), offsets),
    ).map(datetime.isoformat),
    st.datetimes(timezones=st.one_of(st.none(), offsets)).map(datetime.isoformat),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59-12:00",
            "1970-01-01T00:00:00+14:00",
            "2200-12-31T23:59:59-12:00",
            "2026-11-25",
            "2026-11-25T20:00:00Z",
        ]
    ),
)
distances = mostly(
    st.builds(
        "{:g}{}".format,
        st.floats(min_value=0, max_value=600),
        st.sampled_from(["mi", "km", "m", "miles", " KM"]),
    ),
    st.builds(
        "{}{}".format,
        st.one_of(
            st.integers(min_value=0, max_value=10**30),
            st.floats(min_value=0, allow_nan=False, allow_infinity=False).map("{:f}".format),
            st.integers(min_value=1, max_value=400).map(lambda n: "1" + "0" * n),
        ),
        st.sampled_from(["mi", "km", "m", ""]),
    ),
)
rules = mostly(st.sampled_from(["usrsa", "strict", "any"]), st.sampled_from(["all", "USRSA"]))
years = mostly(
    st.integers(min_value=1970, max_value=2200).map(str),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["1969", "2201", "9999", "1", "0"]),
)
counts = mostly(
    st.integers(min_value=1, max_value=100).map(str),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["0", "-1", "1e23", "9223372036854775808"]),
)
budgets = mostly(
    st.floats(min_value=0.001, max_value=86_400).map(repr),
    st.floats().map(repr),
)
labels = mostly(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30),
    st.text(min_size=101, max_size=200),
)
dates = mostly(st.dates().map(lambda d: d.isoformat()), st.sampled_from(["2026-02-30"]))


def maybe(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """The flag with a value (`--flag=value`, so a value may start with `-`), or nothing."""
    return st.one_of(st.just([]), values.map(lambda v: [f"{flag}={v}"]))


def flags(*pairs: tuple[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[str]]:
    return st.tuples(*(maybe(flag, values) for flag, values in pairs)).map(
        lambda chosen: [arg for args in chosen for arg in args]
    )


ZONE_AS_OF_RULE = (
    ("--tz", zones),
    ("--as-of", instants),
    ("--rule", rules),
    ("--min-distance", distances),
)
invocations = st.one_of(
    flags(*ZONE_AS_OF_RULE).map(lambda f: ["stats", "--json", *f]),
    flags(*ZONE_AS_OF_RULE).map(lambda f: ["stats", *f]),
    flags(("--tz", zones), ("--as-of", instants), ("--min-distance", distances)).map(
        lambda f: ["rules", "--json", *f]
    ),
    flags(*ZONE_AS_OF_RULE).map(lambda f: ["check", "--no-sync", *f]),
    flags(("--label", labels), *ZONE_AS_OF_RULE).map(lambda f: ["badge", *f]),
    flags(("--year", years), *ZONE_AS_OF_RULE).map(lambda f: ["heatmap", *f]),
    flags(("--top", counts), ("--rule", rules), ("--min-distance", distances)).map(
        lambda f: ["streaks", "--json", *f]
    ),
    flags(("--from", dates), ("--to", dates), ("--rule", rules), ("--min-distance", distances)).map(
        lambda f: ["ledger", "--csv", *f]
    ),
    # No SmashRun credentials here: a sync whose flags pass stops at that setup error,
    # before it touches the database or the network.
    flags(("--budget", budgets)).map(lambda f: ["sync", *f]),
    # Likewise `auth` without a client id. (`demo --years` is left to its own tests: a
    # history it accepts is synced for real, which takes a while.)
    flags(("--timeout", budgets)).map(lambda f: ["auth", "--no-browser", *f]),
)

# -- a small database, read by every example --------------------------------------------------


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Three weeks of runs up to the evening of 2026-11-25 (New York), with mile splits;
    the test fails if any example changed a byte of it."""
    path = tmp_path_factory.mktemp("edges") / "runs.duckdb"
    runs = daily_runs("2026-11-01", 25, miles=3.1) + daily_runs("2026-10-01", 20, miles=0.8)
    with DuckDBRunStore.open(path) as store:
        store.apply(
            Batch(
                activities=[
                    StoredActivity(a, "fp", None, mile_splits(a, [480.0, 470.0])) for a in runs
                ]
            )
        )
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    yield path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, "an example changed the db"
    assert not path.with_name(path.name + ".wal").exists()


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory, database: Path) -> Iterator[Path]:
    """No developer settings, no SmashRun credentials, the database in STREAK_DB."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(("STREAK_", "AWS_", "POWERTOOLS_")):
                env.delenv(name)
        env.setenv("STREAK_DB", str(database))
        env.setenv("STREAK_TIMEZONE", "America/New_York")
        env.setenv("STREAK_TOKEN_FILE", str(home / "tokens.json"))
        env.setenv("STREAK_CACHE_DIR", str(home / "cache"))
        env.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        env.chdir(home)  # where a stray output file would land
        yield home


# -- the terminal ----------------------------------------------------------------------------


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=invocations)
def test_any_flags_give_an_answer_or_one_error_line_and_exit_2(
    argv: list[str], environment: Path
) -> None:
    # when the command runs in-process (a traceback would fail the test right here)
    outcome = streak(argv)
    note_outcome(f"{argv[0]}: exit {outcome.code}")
    # then it answered, or refused in exactly one line
    if outcome.code == 2:
        assert outcome.is_one_line_refusal(), outcome
    else:
        answers = {0, 1} if argv[0] == "check" else {0}
        assert outcome.code in answers, outcome
        assert "Traceback" not in outcome.err
        assert all(line.startswith("streak: ") for line in outcome.err_lines), outcome
    # and nothing was written where the runner did not ask for it
    assert sorted(p.name for p in environment.iterdir()) in ([], ["cache"])


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stats_handler(environment: Path, database: Path) -> Iterator[Any]:
    """`lambda_handler` in a container over the local database, its clock at NOW."""
    from streak_lambda.composition import install_container
    from streak_lambda.handler import lambda_handler
    from streakcore.bootstrap import Services
    from streakcore.settings import Settings

    install_container(Services(Settings(), clock=lambda: NOW))
    yield lambda_handler
    install_container(None)


def stats_request(query: dict[str, str]) -> dict[str, Any]:
    """The API Gateway REST event of `GET /stats` with this query (the fixture's, reshaped)."""
    built = copy.deepcopy(event("apigw_rest_get_stats"))
    built["headers"]["x-api-key"] = API_KEY
    built["queryStringParameters"] = query or None
    built["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    return built


query_values = st.fixed_dictionaries(
    {},
    optional={
        "tz": zones,
        "as_of": instants,
        "min_distance": distances,
        "rule": st.one_of(rules, st.just("all")),
    },
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=query_values)
def test_any_stats_query_gets_200_or_a_400_that_says_what_to_send(
    query: dict[str, str], stats_handler: Any
) -> None:
    from streak_lambda.proxy_event import LocalLambdaContext

    # when API Gateway hands the handler this query
    result = stats_handler(stats_request(query), LocalLambdaContext())
    # then it answered, or refused with a JSON message; never a server error
    status = result["statusCode"]
    body = json.loads(result["body"])
    note_outcome(f"HTTP {status}")
    assert status in (200, 400), (status, body)
    if status == 400:
        assert isinstance(body["message"], str)
        assert body["message"]
    else:
        assert body["as_of"]
        assert body["timezone"]


def test_the_properties_reach_both_answers_and_refusals(
    environment: Path, stats_handler: Any
) -> None:
    """The generators are not all refusals: a good query and a good flag set answer."""
    from streak_lambda.proxy_event import LocalLambdaContext

    good = {"tz": "Asia/Tokyo", "as_of": "2026-11-25T20:00:00-05:00", "min_distance": "2km"}
    result = stats_handler(stats_request(good), LocalLambdaContext())
    assert result["statusCode"] == 200, result["body"]
    assert json.loads(result["body"])["current_streak"]["days"] == 25
    assert streak(["stats", "--json", "--as-of", "2026-11-25T20:00:00-05:00"]).code == 0
