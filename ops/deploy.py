"""Ship a built zip to the Lambda functions, move their `live` aliases, smoke, roll back.

    python -m ops.deploy --function streakcore-prod-sync --function streakcore-prod-read \\
        --base-url URL --api-key-id ID [--zip dist/lambda.zip] [--artifact-bucket BUCKET]

For each function: update-function-code (inline, or from S3 when a bucket is given), wait
until the update is done, and publish a version whose code hash must equal the zip's.
Then every `live` alias moves to its new version, the smoke checks run through the API,
and if they fail (or an alias cannot move) every moved alias goes back to its previous
version. API Gateway and the schedules call the aliases, never $LATEST.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import SecretStr

from ops import smoke
from streakcore.errors import ConfigError, StreakError

DEFAULT_ALIAS = "live"
POLL_INTERVAL_S = 2.0
MAX_POLLS = 150


class LambdaApi(Protocol):
    """The slice of the boto3 Lambda client a deploy uses (a fake implements it in tests)."""

    def update_function_code(self, **kwargs: Any) -> Mapping[str, Any]: ...
    def get_function_configuration(self, **kwargs: Any) -> Mapping[str, Any]: ...
    def publish_version(self, **kwargs: Any) -> Mapping[str, Any]: ...
    def get_alias(self, **kwargs: Any) -> Mapping[str, Any]: ...
    def create_alias(self, **kwargs: Any) -> Mapping[str, Any]: ...
    def update_alias(self, **kwargs: Any) -> Mapping[str, Any]: ...


class ObjectStore(Protocol):
    def put_object(self, **kwargs: Any) -> Mapping[str, Any]: ...


SmokeCheck = Callable[[], tuple[bool, str]]


@dataclass(frozen=True)
class DeployRequest:
    function_names: tuple[str, ...]
    archive: Path
    alias: str = DEFAULT_ALIAS
    artifact_bucket: str | None = None
    artifact_prefix: str = "lambda"
    description: str = ""


@dataclass(frozen=True)
class DeployOutcome:
    versions: dict[str, str]
    previous_versions: dict[str, str | None]
    smoke_report: str


def lambda_code_sha256(data: bytes) -> str:
    """The hash as Lambda reports it (CodeSha256): base64 of the raw SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def is_not_found(error: Exception) -> bool:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code == "ResourceNotFoundException"


class Deployer:
    """Every function gets the same zip; their aliases move, and move back, together."""

    def __init__(
        self,
        lambda_api: LambdaApi,
        object_store: ObjectStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = print,
    ) -> None:
        self.lambda_api = lambda_api
        self.object_store = object_store
        self.sleep = sleep
        self.log = log

    def stage_artifact(self, request: DeployRequest, data: bytes) -> dict[str, Any]:
        """Where update-function-code takes the code from: an S3 object, or inline bytes."""
        if not request.artifact_bucket:
            return {"ZipFile": data}
        if self.object_store is None:
            raise ConfigError("an artifact bucket was given but no S3 client")
        key = f"{request.artifact_prefix}/{hashlib.sha256(data).hexdigest()}.zip"
        self.object_store.put_object(Bucket=request.artifact_bucket, Key=key, Body=data)
        self.log(f"uploaded s3://{request.artifact_bucket}/{key}")
        return {"S3Bucket": request.artifact_bucket, "S3Key": key}

    def wait_until_updated(self, function_name: str) -> None:
        for _ in range(MAX_POLLS):
            configuration = self.lambda_api.get_function_configuration(FunctionName=function_name)
            status = configuration.get("LastUpdateStatus")
            if status == "Successful":
                return
            if status == "Failed":
                reason = configuration.get("LastUpdateStatusReason", "no reason given")
                raise StreakError(f"Lambda rejected the new code of {function_name}: {reason}")
            self.sleep(POLL_INTERVAL_S)
        raise StreakError(f"{function_name} was still updating after {MAX_POLLS} polls")

    def publish(
        self, function_name: str, code: Mapping[str, Any], expected_sha: str, description: str
    ) -> str:
        """Update $LATEST to our zip, wait for it, and publish it as a new version."""
        response = self.lambda_api.update_function_code(FunctionName=function_name, **code)
        if response["CodeSha256"] != expected_sha:
            raise StreakError(
                f"{function_name} holds code {response['CodeSha256']}, not our zip's "
                f"{expected_sha}: another deploy raced this one"
            )
        self.wait_until_updated(function_name)
        # CodeSha256 makes publishing fail if someone changed $LATEST since our update.
        published = self.lambda_api.publish_version(
            FunctionName=function_name, CodeSha256=expected_sha, Description=description[:256]
        )
        version = str(published["Version"])
        self.log(f"published {function_name} version {version}")
        return version

    def alias_version(self, function_name: str, alias: str) -> str | None:
        try:
            found = self.lambda_api.get_alias(FunctionName=function_name, Name=alias)
        except Exception as error:
            if is_not_found(error):
                return None
            raise
        return str(found["FunctionVersion"])

    def point_alias(self, function_name: str, alias: str, version: str, exists: bool) -> None:
        arguments = {"FunctionName": function_name, "Name": alias, "FunctionVersion": version}
        if exists:
            self.lambda_api.update_alias(**arguments)
        else:
            self.lambda_api.create_alias(**arguments)
        self.log(f"{function_name}:{alias} -> version {version}")

    def roll_back(
        self, request: DeployRequest, moved: Sequence[str], previous: Mapping[str, str | None]
    ) -> list[str]:
        """Point every moved alias back; the functions that had nothing to go back to."""
        stranded = []
        for function_name in moved:
            version = previous[function_name]
            if version is None:
                stranded.append(function_name)
            else:
                self.point_alias(function_name, request.alias, version, exists=True)
        return stranded

    def deploy(self, request: DeployRequest, smoke_check: SmokeCheck) -> DeployOutcome:
        data = request.archive.read_bytes()
        expected_sha = lambda_code_sha256(data)
        code = self.stage_artifact(request, data)
        versions = {
            function_name: self.publish(function_name, code, expected_sha, request.description)
            for function_name in request.function_names
        }
        previous = {name: self.alias_version(name, request.alias) for name in versions}
        moved: list[str] = []
        reason = "smoke checks failed"
        try:
            for function_name, version in versions.items():
                self.point_alias(
                    function_name,
                    request.alias,
                    version,
                    exists=previous[function_name] is not None,
                )
                moved.append(function_name)
            passed, report = smoke_check()
        except Exception as error:
            # Whatever stopped the move or the checks, the new versions are unproven.
            reason = f"deploy stopped: {type(error).__name__}: {error}"
            passed, report = False, reason
        self.log(report)
        if passed:
            return DeployOutcome(versions, previous, report)
        stranded = self.roll_back(request, moved, previous)
        if stranded:
            raise StreakError(
                f"{reason}; {', '.join(stranded)} had no earlier version of "
                f"{request.alias} to roll back to"
            )
        if not moved:
            raise StreakError(f"{reason}; no {request.alias} alias had moved")
        back = ", ".join(f"{name} {previous[name]}" for name in moved)
        raise StreakError(f"{reason}; rolled {request.alias} back to {back}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.deploy", description=__doc__)
    parser.add_argument(
        "--function",
        action="append",
        required=True,
        help="Lambda function name or ARN; repeat for each function that runs this zip",
    )
    parser.add_argument("--zip", type=Path, default=Path("dist/lambda.zip"))
    parser.add_argument("--alias", default=DEFAULT_ALIAS)
    parser.add_argument("--artifact-bucket", help="upload the zip here first (S3)")
    parser.add_argument("--artifact-prefix", default="lambda")
    parser.add_argument("--description", default=os.environ.get("GITHUB_SHA", ""))
    smoke.add_target_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    request = DeployRequest(
        function_names=tuple(args.function),
        archive=args.zip,
        alias=args.alias,
        artifact_bucket=args.artifact_bucket,
        artifact_prefix=args.artifact_prefix,
        description=args.description,
    )
    try:
        if not request.archive.is_file():
            raise ConfigError(f"no package at {request.archive}: run `nox -s package` first")
        api_key: SecretStr = smoke.resolve_api_key(args, os.environ)
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        deployer = Deployer(
            cast(LambdaApi, boto3.client("lambda")),
            cast(ObjectStore, boto3.client("s3")) if request.artifact_bucket else None,
        )
        try:
            outcome = deployer.deploy(request, lambda: smoke.smoke(args.base_url, api_key))
        except (BotoCoreError, ClientError) as error:
            raise StreakError(f"AWS refused a deploy step: {error}") from None
    except StreakError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 1
    for name, version in outcome.versions.items():
        print(
            f"{name}: {request.alias} on version {version} (was {outcome.previous_versions[name]})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
