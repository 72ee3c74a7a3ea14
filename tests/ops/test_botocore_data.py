"""botocore's data in the zip: the endpoint table and the S3 model cut to what the code uses."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from botocore import xform_name

from ops import package
from ops.botocore_data import (
    ENDPOINTS,
    describe_trimmed,
    trimmed_endpoints,
    trimmed_service_model,
    with_trimmed_endpoints,
    with_trimmed_models,
)
from streakcore.errors import StreakError

KEPT = frozenset({"s3", "sns"})


def partition(name: str, services: list[str]) -> dict[str, object]:
    return {
        "partition": name,
        "dnsSuffix": "amazonaws.com",
        "regionRegex": "^(us|eu)\\-\\w+\\-\\d+$",
        "regions": {"us-east-1": {"description": "US East (N. Virginia)"}},
        "defaults": {"hostname": "{service}.{region}.{dnsSuffix}"},
        "services": {service: {"endpoints": {"us-east-1": {}}} for service in services},
    }


TABLE = {
    "version": 3,
    "partitions": [
        partition("aws", ["ec2", "s3", "sns", "sqs"]),
        partition("aws-cn", ["ec2", "s3"]),
    ],
}


def test_each_partition_keeps_only_the_bundled_services_and_everything_else() -> None:
    # when the table is trimmed to s3 and sns
    trimmed = trimmed_endpoints(TABLE, KEPT)
    # then each partition lists only those of them it had, with its regions and defaults
    assert [sorted(p["services"]) for p in trimmed["partitions"]] == [["s3", "sns"], ["s3"]]
    first = trimmed["partitions"][0]
    assert first["regions"] == TABLE["partitions"][0]["regions"]  # type: ignore[index]
    assert first["defaults"] == {"hostname": "{service}.{region}.{dnsSuffix}"}
    assert trimmed["version"] == 3


def test_a_table_without_partitions_is_left_as_it_is() -> None:
    assert trimmed_endpoints({"version": 3}, KEPT) == {"version": 3}


def test_the_zip_entry_points_at_the_trimmed_copy_and_other_entries_stay(tmp_path: Path) -> None:
    # given a site with botocore's table and another file
    source = tmp_path / "site" / "endpoints.json"
    source.parent.mkdir()
    source.write_text(json.dumps(TABLE, indent=2))
    other = tmp_path / "site" / "other.py"
    other.write_text("")
    entries = {ENDPOINTS: source, "other.py": other}
    # when the entries are trimmed
    result = with_trimmed_endpoints(entries, KEPT, tmp_path / "scratch")
    # then the table entry is a smaller, trimmed copy; the original file is untouched
    assert result["other.py"] == other
    assert result[ENDPOINTS] != source
    written = json.loads(result[ENDPOINTS].read_text())
    assert written == trimmed_endpoints(TABLE, KEPT)
    assert result[ENDPOINTS].stat().st_size < source.stat().st_size
    assert json.loads(source.read_text()) == TABLE


def test_entries_without_botocore_are_returned_unchanged(tmp_path: Path) -> None:
    entries = {"other.py": tmp_path / "other.py"}
    assert with_trimmed_endpoints(entries, KEPT, tmp_path) == entries


MODEL = {
    "metadata": {"serviceId": "S3"},
    "operations": {
        "GetObject": {
            "name": "GetObject",
            "input": {"shape": "GetObjectRequest"},
            "output": {"shape": "GetObjectOutput"},
            "errors": [{"shape": "NoSuchKey"}],
        },
        "ListBuckets": {"name": "ListBuckets", "output": {"shape": "ListBucketsOutput"}},
    },
    "shapes": {
        "GetObjectRequest": {"type": "structure", "members": {"Key": {"shape": "ObjectKey"}}},
        "GetObjectOutput": {"type": "structure", "members": {"Tags": {"shape": "TagList"}}},
        "TagList": {"type": "list", "member": {"shape": "Tag"}},
        "Tag": {"type": "structure", "members": {"Key": {"shape": "ObjectKey"}}},
        "ObjectKey": {"type": "string"},
        "NoSuchKey": {"type": "structure", "members": {}},
        "ListBucketsOutput": {"type": "structure", "members": {"Owner": {"shape": "Owner"}}},
        "Owner": {"type": "structure", "members": {}},
    },
}


def test_a_model_keeps_its_operations_called_and_every_shape_they_reach() -> None:
    # when the model is trimmed to GetObject
    trimmed = trimmed_service_model(MODEL, frozenset({"GetObject"}))
    # then ListBuckets and the shapes only it reaches are gone; nested shapes stay
    assert list(trimmed["operations"]) == ["GetObject"]
    assert set(trimmed["shapes"]) == {
        "GetObjectRequest",
        "GetObjectOutput",
        "TagList",
        "Tag",
        "ObjectKey",
        "NoSuchKey",
    }
    assert trimmed["metadata"] == MODEL["metadata"]


def test_trimming_to_an_operation_the_model_lacks_fails_naming_it() -> None:
    with pytest.raises(StreakError, match="no operation PutBucketPolicy"):
        trimmed_service_model(MODEL, frozenset({"GetObject", "PutBucketPolicy"}))


def test_the_zip_gets_a_trimmed_compressed_model_reproducibly(tmp_path: Path) -> None:
    # given botocore's compressed S3 model and another service's
    name = "botocore/data/s3/2006-03-01/service-2.json.gz"
    other = "botocore/data/sns/2010-03-31/service-2.json.gz"
    source = tmp_path / "s3.json.gz"
    source.write_bytes(gzip.compress(json.dumps(MODEL).encode()))
    entries = {name: source, other: source}
    operations = {"s3": frozenset({"GetObject"})}
    # when the models are trimmed twice
    first = with_trimmed_models(entries, operations, tmp_path / "one")
    second = with_trimmed_models(entries, operations, tmp_path / "two")
    # then S3's holds GetObject alone, byte for byte the same each time; SNS's is untouched
    assert json.loads(gzip.decompress(first[name].read_bytes()))["operations"].keys() == {
        "GetObject"
    }
    assert first[name].read_bytes() == second[name].read_bytes()
    assert first[other] == source


def s3_operations_called(roots: list[Path]) -> set[str]:
    """The S3 operations whose method (`get_object`, ...) the code calls, by the real model."""
    from botocore.session import get_session

    model = get_session().get_service_model("s3")
    by_method = {xform_name(name): name for name in model.operation_names}
    return {
        by_method[match.group(1)]
        for root in roots
        for source in root.rglob("*.py")
        for match in re.finditer(r"\.(\w+)\(", source.read_text(encoding="utf-8"))
        if match.group(1) in by_method
    }


def test_the_zip_keeps_the_s3_operations_the_code_calls_and_the_checks_bucket() -> None:
    # given every S3 operation lib/ and lambda/ call
    called = s3_operations_called([package.REPO_ROOT / "lib", package.REPO_ROOT / "lambda"])
    # then the zip's S3 model keeps exactly those, and CreateBucket for the package check
    assert called, "no S3 calls found: has the scan stopped matching the code?"
    assert called | {"CreateBucket"} == package.BUNDLED_AWS_OPERATIONS["s3"]


def test_the_description_names_each_replaced_file_with_its_sizes(tmp_path: Path) -> None:
    # given an endpoint table of 2 MB replaced by one of 0.5 MB, and a file left alone
    big, small, other = tmp_path / "big", tmp_path / "small", tmp_path / "other"
    big.write_bytes(b"x" * 2_000_000)
    small.write_bytes(b"x" * 500_000)
    other.write_bytes(b"")
    before = {ENDPOINTS: big, "other.py": other}
    after = {ENDPOINTS: small, "other.py": other}
    # then the description names that one file
    assert describe_trimmed(before, after) == (
        "trimmed botocore data: endpoints.json 2.00 MB -> 0.50 MB"
    )
    assert describe_trimmed(before, before) == "trimmed botocore data: nothing"
