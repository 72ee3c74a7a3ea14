"""One Lambda invocation in a fresh interpreter, from an unpacked package, as the runtime runs it.

    python3.12 -I -S -B ops/lambda_probe.py TREE ACTION [ABSENT]

TREE is the unpacked zip (Lambda's /var/task) and goes first on sys.path; nothing else of
the caller's is importable. ACTION is `import` (the handler module only), an API route
(`GET /stats`, `GET /health`, `GET /badge.svg`, `GET /p/{token}`, `POST /sync`) sent as an
API Gateway REST proxy event (the page's token from PROBE_PAGE_TOKEN, which the handler
never reads), or a schedule input (`sync`, `check`). The handler's settings come from the
environment, as in Lambda. ABSENT, a comma-separated list of top-level modules, makes
those unimportable, as in a package that leaves them out (for runs outside the zip).

The last line printed is JSON: the status, the seconds the import and the invocation took,
every module the process imported from TREE with how it was loaded (`bytecode`: a .pyc
shipped in the package; `source`: compiled at import, which a read-only /var/task pays on
every cold start; `extension`: a shared library), and every import that was tried and
failed (optional dependencies, and anything the package left out that code asked for).

The system time zone database is switched off, so zones come from the package's tzdata
as they must wherever the runtime image has none.

This file runs under the runtime's interpreter with the package alone: standard library only.
"""

import importlib
import json
import os
import sys
import time

API_ACTIONS = ("GET /stats", "GET /health", "GET /badge.svg", "GET /p/{token}", "POST /sync")
PAGE_RESOURCE = "/p/{token}"
SCHEDULE_ACTIONS = ("sync", "check")
HANDLER_MODULE = "streak_lambda.handler"


def request_id() -> str:
    """A UUID-shaped id, without importing uuid (its import would count in the start-up)."""
    digits = os.urandom(16).hex()
    return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


class ProbeContext:
    """The attributes of the Lambda context object the handler and Powertools read."""

    function_name = "streakcore-probe"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:streakcore-probe"
    log_group_name = "/aws/lambda/streakcore-probe"
    log_stream_name = "probe"

    def __init__(self) -> None:
        self.aws_request_id = request_id()

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def rest_event(method: str, resource: str) -> dict[str, object]:
    """An API Gateway REST proxy event (payload 1.0) with the fields the handler reads."""
    headers = {"Accept": "application/json", "User-Agent": "lambda-probe"}
    parameters = None
    path = resource
    if resource == PAGE_RESOURCE:
        parameters = {"token": os.environ.get("PROBE_PAGE_TOKEN", "")}
        path = f"/p/{parameters['token']}"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": request_id(),
            "identity": {"sourceIp": "203.0.113.10", "apiKeyId": "probe"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def event_for(action: str) -> dict[str, object]:
    if action in SCHEDULE_ACTIONS:
        return {"streak_action": action}
    if action in API_ACTIONS:
        method, path = action.split(" ", 1)
        return rest_event(method, path)
    raise SystemExit(f"unknown action {action!r}: use import, {', '.join(API_ACTIONS)}, sync")


class ImportAttempts:
    """A meta path finder that notes every module name an import statement asks for, then
    lets the others look (or refuses it, for a module taken to be absent). Not derived
    from importlib.abc.MetaPathFinder: importing that would add to the start-up measured."""

    def __init__(self, absent: set[str]) -> None:
        self.names: set[str] = set()
        self.absent = absent

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        self.names.add(fullname)
        if fullname.split(".")[0] in self.absent:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def how_loaded(module: object, tree: str) -> str | None:
    """`bytecode`, `source` or `extension` for a module imported from `tree`; else None."""
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None)
    if not origin or not os.path.abspath(origin).startswith(tree + os.sep):
        return None
    if origin.endswith(".pyc"):
        return "bytecode"
    if not origin.endswith(".py"):
        return "extension"
    cached = getattr(spec, "cached", None)
    return "bytecode" if cached and os.path.exists(cached) else "source"


def main() -> None:
    tree, action = os.path.abspath(sys.argv[1]), sys.argv[2]
    sys.path[:0] = [tree]
    absent = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else set()
    attempts = ImportAttempts(absent)
    sys.meta_path.insert(0, attempts)
    if action != "import":
        # Every route reads zones (so importing zoneinfo here adds nothing to the process).
        import zoneinfo

        zoneinfo.reset_tzpath(to=[])
    started = time.perf_counter()
    handler = importlib.import_module(HANDLER_MODULE)
    imported = time.perf_counter()
    status: object = None
    if action != "import":
        result = handler.lambda_handler(event_for(action), ProbeContext())
        status = result.get("statusCode", "ok") if isinstance(result, dict) else "ok"
    finished = time.perf_counter()
    modules = {
        name: loaded
        for name, module in sorted(sys.modules.items())
        if (loaded := how_loaded(module, tree)) is not None
    }
    print(
        json.dumps(
            {
                "action": action,
                "status": status,
                "import_s": imported - started,
                "invoke_s": finished - imported,
                "modules": modules,
                "failed_imports": sorted(attempts.names - set(sys.modules)),
                "top_levels": sorted({name.split(".")[0] for name in sys.modules}),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
