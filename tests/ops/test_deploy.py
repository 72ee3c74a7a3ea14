"""Deploy and rollback logic against an in-memory Lambda that behaves like the real API."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ops.deploy import Deployer, DeployRequest, lambda_code_sha256
from streakcore.errors import StreakError

FUNCTIONS = ("streakcore-prod-sync", "streakcore-prod-read")


class NotFound(Exception):
    """Shaped like botocore's ClientError for a missing alias."""

    def __init__(self) -> None:
        super().__init__("alias not found")
        self.response = {"Error": {"Code": "ResourceNotFoundException"}}


class AliasUpdateRefused(Exception):
    pass


class FakeFunction:
    def __init__(self, live_version: str | None) -> None:
        self.versions: dict[str, str] = {live_version: "old-sha"} if live_version else {}
        self.aliases: dict[str, str] = {"live": live_version} if live_version else {}
        self.latest_sha = "old-sha"


class FakeLambda:
    """Functions with versions and aliases, as the Lambda API keeps them."""

    def __init__(
        self,
        live_versions: Mapping[str, str | None] | None = None,
        update_statuses: tuple[str, ...] = ("InProgress", "Successful"),
        reported_sha: str | None = None,
        refuse_alias_update_of: str | None = None,
    ) -> None:
        live = live_versions or {"streakcore-prod-sync": "7", "streakcore-prod-read": "12"}
        self.functions = {name: FakeFunction(version) for name, version in live.items()}
        self.update_statuses = list(update_statuses)
        self.reported_sha = reported_sha
        self.refuse_alias_update_of = refuse_alias_update_of
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def live(self, name: str) -> str | None:
        return self.functions[name].aliases.get("live")

    def update_function_code(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(("update_function_code", kwargs))
        function = self.functions[kwargs["FunctionName"]]
        function.latest_sha = self.reported_sha or lambda_code_sha256(kwargs.get("ZipFile", b""))
        return {"CodeSha256": function.latest_sha, "LastUpdateStatus": "InProgress"}

    def get_function_configuration(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(("get_function_configuration", kwargs))
        status = self.update_statuses.pop(0) if self.update_statuses else "Successful"
        return {"LastUpdateStatus": status, "LastUpdateStatusReason": "bad zip"}

    def publish_version(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(("publish_version", kwargs))
        function = self.functions[kwargs["FunctionName"]]
        assert kwargs["CodeSha256"] == function.latest_sha, "Lambda refuses a stale CodeSha256"
        version = str(max((int(v) for v in function.versions), default=0) + 1)
        function.versions[version] = function.latest_sha
        return {"Version": version}

    def get_alias(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(("get_alias", kwargs))
        aliases = self.functions[kwargs["FunctionName"]].aliases
        if kwargs["Name"] not in aliases:
            raise NotFound
        return {"FunctionVersion": aliases[kwargs["Name"]]}

    def create_alias(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(("create_alias", kwargs))
        self.functions[kwargs["FunctionName"]].aliases[kwargs["Name"]] = kwargs["FunctionVersion"]
        return {}

    def update_alias(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(("update_alias", kwargs))
        if kwargs["FunctionName"] == self.refuse_alias_update_of:
            raise AliasUpdateRefused("throttled")
        self.functions[kwargs["FunctionName"]].aliases[kwargs["Name"]] = kwargs["FunctionVersion"]
        return {}

    def called(self, name: str) -> list[dict[str, Any]]:
        return [arguments for call, arguments in self.calls if call == name]


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, **kwargs: Any) -> Mapping[str, Any]:
        self.objects[(kwargs["Bucket"], kwargs["Key"])] = kwargs["Body"]
        return {}


class SmokeRecorder:
    """A smoke check that passes or fails, and remembers what was live when it ran."""

    def __init__(self, fake: FakeLambda, passes: bool) -> None:
        self.fake = fake
        self.passes = passes
        self.live_when_run: dict[str, str | None] | None = None

    def __call__(self) -> tuple[bool, str]:
        self.live_when_run = {name: self.fake.live(name) for name in self.fake.functions}
        return self.passes, "smoke report"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "lambda.zip"
    path.write_bytes(b"PK fake zip bytes")
    return path


def deployer(fake: FakeLambda, s3: FakeS3 | None = None) -> Deployer:
    return Deployer(fake, s3, sleep=lambda seconds: None, log=lambda line: None)


def request(archive: Path, **overrides: Any) -> DeployRequest:
    return DeployRequest(function_names=FUNCTIONS, archive=archive, **overrides)


def test_a_passing_deploy_publishes_both_functions_and_leaves_live_on_the_new_versions(
    archive: Path,
) -> None:
    # given sync live on 7 and read live on 12
    fake = FakeLambda()
    smoke = SmokeRecorder(fake, passes=True)

    # when the zip is deployed and the smoke checks pass
    outcome = deployer(fake).deploy(request(archive), smoke)

    # then both aliases point at the new versions, which the checks ran against
    assert outcome.versions == {"streakcore-prod-sync": "8", "streakcore-prod-read": "13"}
    assert outcome.previous_versions == {"streakcore-prod-sync": "7", "streakcore-prod-read": "12"}
    assert smoke.live_when_run == outcome.versions
    assert {name: fake.live(name) for name in FUNCTIONS} == outcome.versions
    assert fake.functions["streakcore-prod-read"].versions["13"] == lambda_code_sha256(
        archive.read_bytes()
    )


def test_failing_smoke_checks_move_every_live_alias_back(archive: Path) -> None:
    # given a new version whose smoke checks fail
    fake = FakeLambda()
    smoke = SmokeRecorder(fake, passes=False)

    # when deployed
    with pytest.raises(StreakError, match="rolled live back to"):
        deployer(fake).deploy(request(archive), smoke)

    # then the checks saw the new versions, and live is on the old ones again
    assert smoke.live_when_run == {"streakcore-prod-sync": "8", "streakcore-prod-read": "13"}
    assert fake.live("streakcore-prod-sync") == "7"
    assert fake.live("streakcore-prod-read") == "12"


def test_smoke_checks_that_crash_count_as_failed_and_roll_back(archive: Path) -> None:
    fake = FakeLambda()

    def crashing_smoke() -> tuple[bool, str]:
        raise RuntimeError("DNS exploded")

    with pytest.raises(StreakError, match="rolled live back"):
        deployer(fake).deploy(request(archive), crashing_smoke)
    assert fake.live("streakcore-prod-sync") == "7"
    assert fake.live("streakcore-prod-read") == "12"


def test_an_alias_that_cannot_move_rolls_back_the_ones_that_did(archive: Path) -> None:
    # given the second alias update is refused
    fake = FakeLambda(refuse_alias_update_of="streakcore-prod-read")
    smoke = SmokeRecorder(fake, passes=True)

    # when deployed
    with pytest.raises(StreakError, match="rolled live back to streakcore-prod-sync 7"):
        deployer(fake).deploy(request(archive), smoke)

    # then the first alias is back, and no smoke check ran against a half-moved pair
    assert fake.live("streakcore-prod-sync") == "7"
    assert smoke.live_when_run is None


def test_the_first_deploy_creates_the_aliases(archive: Path) -> None:
    fake = FakeLambda(live_versions={name: None for name in FUNCTIONS})

    outcome = deployer(fake).deploy(request(archive), SmokeRecorder(fake, passes=True))

    assert outcome.previous_versions == {name: None for name in FUNCTIONS}
    assert {name: fake.live(name) for name in FUNCTIONS} == outcome.versions
    assert len(fake.called("create_alias")) == 2


def test_a_failing_first_deploy_says_there_is_nothing_to_roll_back_to(archive: Path) -> None:
    fake = FakeLambda(live_versions={name: None for name in FUNCTIONS})

    with pytest.raises(StreakError, match="no earlier version of live to roll back to"):
        deployer(fake).deploy(request(archive), SmokeRecorder(fake, passes=False))


def test_code_that_lambda_rejects_never_gets_published_or_aliased(archive: Path) -> None:
    # given Lambda fails the code update
    fake = FakeLambda(update_statuses=("InProgress", "Failed"))
    smoke = SmokeRecorder(fake, passes=True)

    # when deployed, then the reason is reported
    with pytest.raises(StreakError, match="bad zip"):
        deployer(fake).deploy(request(archive), smoke)

    # and nothing was published, live is untouched and no checks ran
    assert fake.called("publish_version") == []
    assert fake.live("streakcore-prod-sync") == "7"
    assert smoke.live_when_run is None


def test_a_code_hash_other_than_our_zip_stops_the_deploy_before_publishing(archive: Path) -> None:
    # given Lambda reports someone else's code after our update
    fake = FakeLambda(reported_sha="someone-elses-sha")

    with pytest.raises(StreakError, match="raced"):
        deployer(fake).deploy(request(archive), SmokeRecorder(fake, passes=True))
    assert fake.called("publish_version") == []
    assert fake.called("update_alias") == []


def test_an_update_that_never_finishes_times_out_without_publishing(archive: Path) -> None:
    fake = FakeLambda(update_statuses=("InProgress",) * 1000)

    with pytest.raises(StreakError, match="still updating"):
        deployer(fake).deploy(request(archive), SmokeRecorder(fake, passes=True))
    assert fake.called("publish_version") == []


def test_with_an_artifact_bucket_the_zip_goes_through_s3_once(archive: Path) -> None:
    # given an artifact bucket
    fake, s3 = FakeLambda(), FakeS3()
    data = archive.read_bytes()
    fake.reported_sha = lambda_code_sha256(data)

    # when deployed
    deployer(fake, s3).deploy(
        request(archive, artifact_bucket="artifacts"), SmokeRecorder(fake, passes=True)
    )

    # then the zip is in S3 once, and both functions were pointed at it, not sent inline
    ((bucket, key),) = s3.objects
    assert bucket == "artifacts"
    assert key.startswith("lambda/")
    assert s3.objects[(bucket, key)] == data
    updates = fake.called("update_function_code")
    assert updates == [
        {"FunctionName": name, "S3Bucket": "artifacts", "S3Key": key} for name in FUNCTIONS
    ]


def test_publish_is_pinned_to_the_hash_of_our_zip(archive: Path) -> None:
    fake = FakeLambda()

    deployer(fake).deploy(request(archive), SmokeRecorder(fake, passes=True))

    expected = lambda_code_sha256(archive.read_bytes())
    assert [call["CodeSha256"] for call in fake.called("publish_version")] == [expected] * 2


def test_lambda_code_sha256_is_base64_of_the_raw_digest() -> None:
    # given the FIPS 180-2 test vector: SHA-256("abc")
    published_hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    # then our CodeSha256 is that digest, base64-encoded as Lambda reports it
    assert base64.b64decode(lambda_code_sha256(b"abc")).hex() == published_hex
