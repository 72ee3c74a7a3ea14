"""The fake SmashRun answers like SmashRun: paging, fromDate, auth, limits, faults, OAuth."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import streakcore
from streakcore.errors import ConfigError
from streakcore.testing import (
    UNKNOWN_ENUM_VALUE,
    Athlete,
    FakeSmashRun,
    RateLimit,
    recent_athlete,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
REDIRECT_URI = "http://127.0.0.1:8765/callback"
# httpx builds a TLS context per client (~25 ms); sharing one keeps dozens of clients cheap.
TLS = ssl.create_default_context()


def client(*, timeout: float = 5.0, **kwargs: Any) -> httpx.Client:
    return httpx.Client(verify=TLS, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with client() as plain:
        yield plain


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


@pytest.fixture
def fake(athlete: Athlete) -> Iterator[FakeSmashRun]:
    with FakeSmashRun(athlete, clock=lambda: NOW) as server:
        yield server


@pytest.fixture
def api(fake: FakeSmashRun) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fake.access_token}"}
    with client(base_url=fake.base_url, headers=headers) as authorised:
        yield authorised


def start_instant(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(activity["startDateTimeLocal"])


def newest_first_ids(athlete: Athlete) -> list[int]:
    ordered = sorted(athlete.activities, key=lambda a: (start_instant(a), a["activityId"]))
    return [a["activityId"] for a in reversed(ordered)]


def all_ids(api: httpx.Client, **params: Any) -> list[int]:
    ids: list[int] = []
    page = 0
    while batch := api.get("/my/activities/search/ids", params={**params, "page": page}).json():
        ids.extend(batch)
        page += 1
    return ids


# -- paging -------------------------------------------------------------------------------


def test_pages_of_ids_cover_every_run_once_newest_first(
    api: httpx.Client, athlete: Athlete
) -> None:
    # given an athlete with more runs than fit on one page
    assert len(athlete.runs) > 100
    # when we page through the ids
    pages = [
        api.get("/my/activities/search/ids", params={"page": p, "count": 100}).json()
        for p in range(3)
    ]
    # then two pages hold every run, newest first, and the third is empty
    assert [len(p) for p in pages] == [100, len(athlete.runs) - 100, 0]
    assert pages[0] + pages[1] == newest_first_ids(athlete)


def test_ids_without_paging_are_only_the_newest_hundred(
    api: httpx.Client, athlete: Athlete
) -> None:
    # when we ask for ids with no paging parameters, as SmashRun's docs show
    ids = api.get("/my/activities/search/ids").json()
    # then we get the first hundred only
    assert ids == newest_first_ids(athlete)[:100]


def test_search_and_briefs_page_like_ids_with_their_own_shapes(
    api: httpx.Client, athlete: Athlete
) -> None:
    # when we fetch the second page of 30 from each listing
    params = {"page": 1, "count": 30}
    summaries = api.get("/my/activities/search", params=params).json()
    briefs = api.get("/my/activities/search/briefs", params=params).json()
    # then they list the same runs; summaries lack the recording, briefs are brief
    expected = newest_first_ids(athlete)[30:60]
    assert [s["activityId"] for s in summaries] == expected
    assert [b["activityId"] for b in briefs] == expected
    assert all("recordingKeys" not in s and "heartRateAverage" in s for s in summaries)
    assert all(
        set(b) == {"activityId", "startDateTimeLocal", "distance", "duration", "activityType"}
        for b in briefs
    )
    detail = athlete.run(expected[0]).activity
    assert summaries[0] == {
        k: v for k, v in detail.items() if k not in ("recordingKeys", "recordingValues")
    }


@pytest.mark.parametrize("count", ["101", "0", "many"])
def test_a_count_outside_1_to_100_is_a_bad_request_that_says_why(
    api: httpx.Client, count: str
) -> None:
    # when we ask for an unusable page size
    response = api.get("/my/activities/search", params={"count": count})
    # then SmashRun's limit is enforced with a message
    assert response.status_code == 400
    assert "count" in response.json()["error"]


def test_order_is_by_instant_not_by_local_wall_time(http: httpx.Client) -> None:
    # given a Tokyo morning run that is older than a New York evening run of the day before
    tokyo = {"activityId": 1, "startDateTimeLocal": "2026-11-26T08:00:00+09:00", "duration": 60.0}
    new_york = {"activityId": 2, "startDateTimeLocal": "2026-11-25T20:00:00-05:00", "duration": 60}
    with FakeSmashRun([tokyo, new_york], clock=lambda: NOW) as fake:
        # when we list them
        ids = http.get(
            fake.base_url + "/my/activities/search/ids",
            params={"access_token": fake.access_token},
        ).json()
    # then the later instant comes first, although its local text sorts earlier
    assert ids == [2, 1]


# -- fromDate and the clock ---------------------------------------------------------------


def test_from_date_selects_by_upload_time_so_late_uploads_are_found(
    api: httpx.Client, athlete: Athlete
) -> None:
    # given a run uploaded days after it happened, and an instant between the two
    late = athlete.run(athlete.landmarks.late_upload_ids[-1])
    ended = start_instant(late.activity) + timedelta(seconds=late.activity["duration"])
    since = ended + timedelta(hours=12)
    assert since < late.uploaded_at
    # when we ask for what changed since then, through every listing
    params = {"fromDate": int(since.timestamp())}
    ids = all_ids(api, **params)
    summaries = api.get("/my/activities/search", params=params).json()
    # then we get exactly the runs uploaded since, the late one included
    expected = {
        r.activity_id for r in athlete.runs if r.uploaded_at.timestamp() >= int(since.timestamp())
    }
    assert set(ids) == expected
    assert late.activity_id in ids
    assert start_instant(late.activity) < since
    assert {s["activityId"] for s in summaries} == expected


def test_runs_are_invisible_until_the_clock_reaches_their_upload(athlete: Athlete) -> None:
    # given a fake whose clock stands between a late run and its upload
    late = athlete.run(athlete.landmarks.late_upload_ids[-1])
    before_upload = late.uploaded_at - timedelta(hours=1)
    with FakeSmashRun(athlete, clock=lambda: before_upload) as fake:
        api = client(base_url=fake.base_url, params={"access_token": fake.access_token})
        # when we look before and after moving the clock past the upload
        hidden = (late.activity_id in all_ids(api), api.get(f"/my/activities/{late.activity_id}"))
        fake.advance(2 * 3600)
        shown = (late.activity_id in all_ids(api), api.get(f"/my/activities/{late.activity_id}"))
        api.close()
    # then the run appears only once uploaded
    assert (hidden[0], hidden[1].status_code) == (False, 404)
    assert (shown[0], shown[1].status_code) == (True, 200)


# -- details and splits -------------------------------------------------------------------


def test_detail_and_splits_are_the_athletes_payloads(api: httpx.Client, athlete: Athlete) -> None:
    # given a GPS run and a treadmill run
    gps = next(r for r in athlete.runs if r.splits_mi)
    treadmill = athlete.run(athlete.landmarks.treadmill_ids[0])
    # when we fetch their details and splits
    detail = api.get(f"/my/activities/{gps.activity_id}").json()
    miles = api.get(f"/my/activities/{gps.activity_id}/splits/mi").json()
    kms = api.get(f"/my/activities/{gps.activity_id}/splits/km").json()
    none = api.get(f"/my/activities/{treadmill.activity_id}/splits/mi").json()
    # then they are exactly what the athlete holds
    assert detail == gps.activity
    assert (miles, kms, none) == (gps.splits_mi, gps.splits_km, [])


def test_unknown_activities_and_routes_are_not_found(api: httpx.Client) -> None:
    assert api.get("/my/activities/1").status_code == 404
    assert api.get("/my/activities/1/splits/mi").status_code == 404
    assert api.get("/my/activities/search/everything").status_code == 404


def test_userinfo_is_the_athletes(api: httpx.Client, athlete: Athlete) -> None:
    assert api.get("/my/userinfo").json() == athlete.user


# -- auth ---------------------------------------------------------------------------------


def test_a_token_works_in_the_header_or_the_query(http: httpx.Client, fake: FakeSmashRun) -> None:
    url = fake.base_url + "/my/userinfo"
    by_header = http.get(url, headers={"Authorization": f"Bearer {fake.access_token}"})
    by_query = http.get(url, params={"access_token": fake.access_token})
    assert (by_header.status_code, by_query.status_code) == (200, 200)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}]
)
def test_missing_or_unknown_tokens_get_401_invalid_token(
    http: httpx.Client, fake: FakeSmashRun, headers: dict[str, str]
) -> None:
    response = http.get(fake.base_url + "/my/userinfo", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}


def test_expired_tokens_get_401(api: httpx.Client, fake: FakeSmashRun) -> None:
    # given a working token
    assert api.get("/my/userinfo").status_code == 200
    # when the fake expires every token
    fake.expire_tokens()
    # then it is refused
    assert api.get("/my/userinfo").status_code == 401


# -- rate limit ---------------------------------------------------------------------------


def test_over_the_rate_limit_gets_429_with_retry_after_until_the_window_passes(
    athlete: Athlete,
) -> None:
    # given a fake that allows 3 requests per 10 s on a frozen clock
    with FakeSmashRun(athlete, clock=lambda: NOW, rate_limit=RateLimit(3, 10)) as fake:
        api = client(base_url=fake.base_url, params={"access_token": fake.access_token})
        # when we make a fourth request, then wait out the window
        statuses = [api.get("/my/userinfo").status_code for _ in range(3)]
        refused = api.get("/my/userinfo")
        fake.advance(10)
        after = api.get("/my/userinfo")
        api.close()
    # then the fourth is refused with the seconds to wait, and the window reopens
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "10"
    assert after.status_code == 200


def test_two_windows_apply_together_and_the_longer_wait_wins(athlete: Athlete) -> None:
    limits = [RateLimit(5, 3600), RateLimit(2, 10)]
    with FakeSmashRun(athlete, clock=lambda: NOW, rate_limit=limits) as fake:
        api = client(base_url=fake.base_url, params={"access_token": fake.access_token})
        burst = [api.get("/my/userinfo").status_code for _ in range(3)]
        statuses: list[int] = []
        for _ in range(3):
            fake.advance(10)
            statuses.extend(api.get("/my/userinfo").status_code for _ in range(2))
        hourly = api.get("/my/userinfo")
        api.close()
    assert burst == [200, 200, 429]
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert int(hourly.headers["Retry-After"]) == 3600 - 30


@pytest.mark.parametrize("text", ["250", "x/10", "0/10"])
def test_unreadable_rate_limits_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        RateLimit.parse(text)


# -- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 404])
def test_an_injected_status_fires_once_on_matching_paths_only(
    api: httpx.Client, fake: FakeSmashRun, athlete: Athlete, status: int
) -> None:
    # given a fault on splits
    activity_id = athlete.runs[-1].activity_id
    fake.inject("/my/activities/*/splits/*", status)
    # when we search, then fetch splits twice
    search = api.get("/my/activities/search/ids")
    first = api.get(f"/my/activities/{activity_id}/splits/mi")
    second = api.get(f"/my/activities/{activity_id}/splits/mi")
    # then only the first splits request fails
    assert (search.status_code, first.status_code, second.status_code) == (200, status, 200)
    assert fake.pending_faults() == 0


def test_faults_fire_in_order_as_many_times_as_asked(api: httpx.Client, fake: FakeSmashRun) -> None:
    fake.inject("/my/userinfo", 503, times=2)
    fake.inject("/v1/my/userinfo", 500)
    statuses = [api.get("/my/userinfo").status_code for _ in range(4)]
    assert statuses == [503, 503, 500, 200]


def test_a_slow_fault_outlasts_the_client_timeout_then_stops(athlete: Athlete) -> None:
    with FakeSmashRun(athlete, clock=lambda: NOW) as fake:
        fake.inject("/my/userinfo", "slow", slow_s=1.0)
        api = client(
            base_url=fake.base_url, params={"access_token": fake.access_token}, timeout=0.2
        )
        with pytest.raises(httpx.ReadTimeout):
            api.get("/my/userinfo")
        assert api.get("/my/userinfo").status_code == 200
        api.close()


def test_a_malformed_fault_sends_200_with_truncated_json(
    api: httpx.Client, fake: FakeSmashRun
) -> None:
    fake.inject("/my/activities/search", "malformed")
    response = api.get("/my/activities/search")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert len(api.get("/my/activities/search").json()) == 100


def test_an_error_body_fault_sends_200_with_an_error_object_instead_of_data(
    api: httpx.Client, fake: FakeSmashRun
) -> None:
    fake.inject("/my/activities/search/ids", "error_body")
    body = api.get("/my/activities/search/ids").json()
    assert isinstance(body, dict)
    assert set(body) == {"error"}


def test_a_not_a_list_fault_sends_200_with_an_object_that_is_no_error_either(
    api: httpx.Client, fake: FakeSmashRun, athlete: Athlete
) -> None:
    fake.inject(f"/my/activities/{athlete.runs[-1].activity_id}/splits/*", "not_a_list")
    body = api.get(f"/my/activities/{athlete.runs[-1].activity_id}/splits/mi").json()
    assert isinstance(body, dict)
    assert not {"error", "message"} & set(body)


def test_an_injected_status_carries_the_headers_it_was_given(
    api: httpx.Client, fake: FakeSmashRun
) -> None:
    fake.inject("/my/activities/search", 429, headers={"Retry-After": "inf"})
    response = api.get("/my/activities/search")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "inf"


def test_an_unknown_enum_fault_changes_only_the_enum_fields(
    api: httpx.Client, fake: FakeSmashRun, athlete: Athlete
) -> None:
    # given a fault on one activity's detail
    run = athlete.runs[-1]
    fake.inject(f"/my/activities/{run.activity_id}", "unknown_enum")
    # when we fetch it
    detail = api.get(f"/my/activities/{run.activity_id}").json()
    # then the enums carry a value never seen before and everything else is intact
    for field in ("activityType", "howFelt", "terrain", "weatherType"):
        assert detail[field] == UNKNOWN_ENUM_VALUE
    unchanged = {k for k in detail if detail[k] == run.activity[k]}
    assert unchanged == set(run.activity) - {"activityType", "howFelt", "terrain", "weatherType"}


def test_an_expired_token_fault_refuses_once_and_the_token_works_again(
    api: httpx.Client, fake: FakeSmashRun
) -> None:
    fake.inject("/my/*", "expired_token")
    first, second = api.get("/my/userinfo"), api.get("/my/userinfo")
    assert (first.status_code, first.json()) == (401, {"error": "invalid_token"})
    assert second.status_code == 200


@pytest.mark.parametrize(("fault", "times"), [(200, 1), ("boom", 1), (500, 0)])
def test_unusable_faults_are_config_errors(fake: FakeSmashRun, fault: Any, times: int) -> None:
    with pytest.raises(ConfigError):
        fake.inject("/my/userinfo", fault, times=times)


# -- mutations ----------------------------------------------------------------------------


def test_an_added_activity_shows_in_ids_and_in_a_from_date_search(
    api: httpx.Client, fake: FakeSmashRun, athlete: Athlete
) -> None:
    # given a new run uploaded an hour after the athlete's last upload
    fake.advance(3600)
    payload = {**athlete.runs[-1].activity, "startDateTimeLocal": "2026-11-26T07:10:00-05:00"}
    del payload["activityId"]
    new_id = fake.add_activity(payload, [{"distance": 1.0, "seconds": 500.0}], [])
    # when we list what changed in the last minute
    since = {"fromDate": int(fake.now().timestamp()) - 60}
    # then it is the only one, and it leads the ids
    assert all_ids(api, **since) == [new_id]
    assert api.get("/my/activities/search/ids").json()[0] == new_id
    assert api.get(f"/my/activities/{new_id}/splits/mi").json() == [
        {"distance": 1.0, "seconds": 500.0}
    ]


def test_an_edited_activity_changes_and_counts_as_updated(
    api: httpx.Client, fake: FakeSmashRun, athlete: Athlete
) -> None:
    # given an old run, then an edit an hour later
    old = athlete.runs[0]
    fake.advance(3600)
    fake.edit_activity(old.activity_id, notes="corrected", distance=5.5)
    # when we list what changed in the last minute
    changed = api.get(
        "/my/activities/search", params={"fromDate": int(fake.now().timestamp()) - 60}
    ).json()
    # then only the edited run comes back, edited
    assert [(a["activityId"], a["notes"], a["distance"]) for a in changed] == [
        (old.activity_id, "corrected", 5.5)
    ]


def test_a_deleted_activity_disappears_from_ids_and_detail(
    api: httpx.Client, fake: FakeSmashRun, athlete: Athlete
) -> None:
    gone = athlete.runs[50].activity_id
    fake.delete_activity(gone)
    assert gone not in all_ids(api)
    assert len(all_ids(api)) == len(athlete.runs) - 1
    assert api.get(f"/my/activities/{gone}").status_code == 404


def test_changing_an_activity_the_fake_does_not_have_is_a_config_error(
    fake: FakeSmashRun,
) -> None:
    with pytest.raises(ConfigError):
        fake.edit_activity(1, notes="x")
    with pytest.raises(ConfigError):
        fake.delete_activity(1)


# -- OAuth --------------------------------------------------------------------------------


def authorize(http: httpx.Client, fake: FakeSmashRun, state: str = "xyz") -> str:
    response = http.get(
        fake.authorize_url,
        params={
            "client_id": fake.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "state": state,
            "scope": "read_activity",
        },
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def token(http: httpx.Client, fake: FakeSmashRun, **form: str) -> httpx.Response:
    credentials = {"client_id": fake.client_id, "client_secret": fake.client_secret}
    return http.post(fake.token_url, data={**credentials, **form})


def test_the_code_flow_issues_tokens_that_work_on_the_api(
    http: httpx.Client, fake: FakeSmashRun
) -> None:
    # given the runner authorised us
    code = authorize(http, fake)
    # when we exchange the code
    response = token(
        http, fake, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )
    # then we get SmashRun's token shape and the access token opens the API
    grant = response.json()
    assert response.status_code == 200
    assert set(grant) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert (grant["token_type"], grant["expires_in"]) == ("bearer", 7257600)
    userinfo = http.get(
        fake.base_url + "/my/userinfo",
        headers={"Authorization": f"Bearer {grant['access_token']}"},
    )
    assert userinfo.status_code == 200


def test_a_code_works_once(http: httpx.Client, fake: FakeSmashRun) -> None:
    code = authorize(http, fake)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    assert token(http, fake, **form).status_code == 200
    again = token(http, fake, **form)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_refresh_rotates_the_refresh_token(http: httpx.Client, fake: FakeSmashRun) -> None:
    # given tokens from the code flow
    code = authorize(http, fake)
    first = token(
        http, fake, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    ).json()
    # when we refresh
    second = token(http, fake, grant_type="refresh_token", refresh_token=first["refresh_token"])
    # then there is a new refresh token, the old one is dead and the new one works
    rotated = second.json()["refresh_token"]
    assert second.status_code == 200
    assert rotated != first["refresh_token"]
    reused = token(http, fake, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (reused.status_code, reused.json()) == (400, {"error": "invalid_grant"})
    assert token(http, fake, grant_type="refresh_token", refresh_token=rotated).status_code == 200


def test_issued_access_tokens_expire_after_twelve_weeks(
    http: httpx.Client, fake: FakeSmashRun
) -> None:
    code = authorize(http, fake)
    grant = token(
        http, fake, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    ).json()
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    fake.advance(7257600 - 1)
    assert http.get(fake.base_url + "/my/userinfo", headers=headers).status_code == 200
    fake.advance(1)
    assert http.get(fake.base_url + "/my/userinfo", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong", "grant_type": "refresh_token"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, 400, "invalid_grant"),
        ({"grant_type": "authorization_code"}, 400, "invalid_request"),
    ],
)
def test_bad_token_requests_get_oauth_errors(
    http: httpx.Client, fake: FakeSmashRun, form: dict[str, str], status: int, error: str
) -> None:
    response = token(http, fake, **form)
    assert (response.status_code, response.json()) == (status, {"error": error})


def test_a_code_for_another_redirect_uri_is_refused(http: httpx.Client, fake: FakeSmashRun) -> None:
    code = authorize(http, fake)
    response = token(
        http, fake, grant_type="authorization_code", code=code, redirect_uri="http://elsewhere/cb"
    )
    assert response.json() == {"error": "invalid_grant"}


def test_initial_refresh_tokens_can_be_given_and_client_basic_auth_works(
    http: httpx.Client,
    athlete: Athlete,
) -> None:
    with FakeSmashRun(athlete, refresh_tokens=["seeded"], clock=lambda: NOW) as fake:
        response = http.post(
            fake.token_url,
            data={"grant_type": "refresh_token", "refresh_token": "seeded"},
            auth=(fake.client_id, fake.client_secret),
        )
    assert response.status_code == 200


# -- request log --------------------------------------------------------------------------


def test_every_request_is_recorded_exactly_in_order(
    http: httpx.Client, api: httpx.Client, fake: FakeSmashRun, athlete: Athlete
) -> None:
    # given a mix of good, failed and unauthorised requests
    activity_id = athlete.runs[-1].activity_id
    fake.inject("/my/activities/*/splits/km", 503)
    api.get("/my/activities/search/ids", params={"page": 0, "count": 100})
    api.get(f"/my/activities/{activity_id}/splits/km")
    api.get(f"/my/activities/{activity_id}/splits/km")
    http.get(fake.base_url + "/my/userinfo", params={"access_token": "bad"})
    # when we read the log
    records = fake.requests
    # then it holds each one with its outcome, and counts agree
    assert [(r.method, r.path, r.status, r.authorised) for r in records] == [
        ("GET", "/v1/my/activities/search/ids", 200, True),
        ("GET", f"/v1/my/activities/{activity_id}/splits/km", 503, True),
        ("GET", f"/v1/my/activities/{activity_id}/splits/km", 200, True),
        ("GET", "/v1/my/userinfo", 401, False),
    ]
    assert records[0].query == {"page": "0", "count": "100"}
    assert all(r.at == NOW for r in records)
    assert fake.count() == 4
    assert fake.count("/my/activities/") == 3
    assert fake.count("/v1/my/activities/", status=503) == 1
    fake.reset_requests()
    assert fake.count() == 0


def test_query_tokens_are_masked_in_the_log(http: httpx.Client, fake: FakeSmashRun) -> None:
    http.get(fake.base_url + "/my/userinfo", params={"access_token": fake.access_token})
    assert fake.requests[0].query == {"access_token": "***"}
    assert fake.access_token not in repr(fake.requests)


def test_concurrent_requests_are_all_answered_and_counted(
    fake: FakeSmashRun, athlete: Athlete
) -> None:
    # given eight clients fetching splits at once, as a sync does
    ids = [r.activity_id for r in athlete.runs[:40]]
    statuses: list[int] = []
    lock = threading.Lock()

    def fetch(chunk: list[int]) -> None:
        with client(base_url=fake.base_url, params={"access_token": fake.access_token}) as own:
            for activity_id in chunk:
                status = own.get(f"/my/activities/{activity_id}/splits/mi").status_code
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=fetch, args=(ids[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every request succeeded and the log counts each exactly once
    assert statuses == [200] * 40
    assert fake.count("/my/activities/", status=200) == 40


# -- lifecycle and the command line -------------------------------------------------------


def test_a_stopped_fake_refuses_connections_and_has_no_url(
    http: httpx.Client, athlete: Athlete
) -> None:
    fake = FakeSmashRun(athlete, clock=lambda: NOW)
    with fake, client() as plain:
        url = fake.base_url + "/my/userinfo"
        assert plain.get(url, params={"access_token": fake.access_token}).status_code == 200
    with pytest.raises(httpx.TransportError):
        http.get(url)
    with pytest.raises(ConfigError):
        _ = fake.base_url


def test_the_module_serves_from_the_command_line_until_interrupted(http: httpx.Client) -> None:
    # given the fake started as a script (the lib directory on the path, installed or not)
    lib = str(Path(streakcore.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([lib, os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "streakcore.testing.fake_smashrun", "--years", "0.5"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().split()[-1]
            access_token = process.stdout.readline().split()[-1]
            # when we call it with the printed token
            response = http.get(base_url + "/my/userinfo", params={"access_token": access_token})
        finally:
            process.send_signal(signal.SIGINT)
            returncode = process.wait(timeout=10)
    # then it answers, and Ctrl-C stops it cleanly
    assert response.status_code == 200
    assert returncode == 0
