"""What the fake SmashRun answers: replies, and how an injected fault replaces or spoils
one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streakcore.testing.faults import (
    ERROR_BODY,
    NOT_A_LIST_BODY,
    InjectedFault,
    as_json,
    truncated,
    with_unknown_enums,
)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


def json_reply(status: int, payload: Any, **headers: str) -> Reply:
    return Reply(status, as_json(payload), headers)


def fault_reply(injected: InjectedFault) -> Reply | None:
    fault = injected.fault
    if isinstance(fault, int):
        if fault >= 500:
            text = f"<html><body><h1>{fault} Server Error</h1></body></html>"
            return Reply(
                fault, text.encode(), injected.headers, content_type="text/html; charset=utf-8"
            )
        return json_reply(fault, {"error": f"injected {fault}"}, **injected.headers)
    if fault == "error_body":
        return json_reply(200, ERROR_BODY)
    if fault == "not_a_list":
        return json_reply(200, NOT_A_LIST_BODY)
    if fault == "expired_token":
        return unauthorised()
    return None


def spoiled(reply: Reply, injected: InjectedFault) -> Reply:
    if injected.fault == "malformed":
        return Reply(200, truncated(reply.body), reply.headers, reply.content_type)
    if injected.fault == "unknown_enum" and reply.content_type.startswith("application/json"):
        return Reply(200, with_unknown_enums(reply.body), reply.headers, reply.content_type)
    return reply


def unauthorised() -> Reply:
    return json_reply(
        401, {"error": "invalid_token"}, **{"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def not_found() -> Reply:
    return json_reply(404, {"error": "not found"})
