"""botocore's endpoint table in the zip: the bundled services' entries, the shape kept."""

from __future__ import annotations

import json
from pathlib import Path

from ops.botocore_data import ENDPOINTS, trimmed_endpoints, with_trimmed_endpoints

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
