"""Smoke test of the API Lambda handler: API Gateway REST (v1) proxy events, no network.

Standard library only, so it can run against a built asset with nothing else on the path::

    python3.12 -I -S infra/lambdas/api/smoke.py --asset build/api-asset

``-S`` leaves only the standard library on ``sys.path``; ``--asset`` puts the asset first (as
``/var/task`` is on Lambda). Without ``--asset`` it imports from the current environment, which
``tests/infra/test_api_asset.py`` does with ``--refuse`` to prove which packages the handler
does not need. The settings mirror the deployed function (DynamoDB, S3, EventBridge, Cognito;
see ``infra/stacks/api.py``) with placeholder names: building the app creates boto3 clients
but makes no AWS call, and none of the requests below reaches storage, AWS or Cognito.

Prints one JSON report on stdout; exits 1 when a response is not the expected one.
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import os
import sys
import tempfile
import time
from typing import Any

#: The deployed function's MANGAFLOW_* variables (infra/stacks/api.py) with placeholder values.
LAMBDA_ENV = {
    "MANGAFLOW_TABLE_BACKEND": "dynamodb",
    "MANGAFLOW_BLOB_BACKEND": "s3",
    "MANGAFLOW_EVENT_BUS": "eventbridge",
    "MANGAFLOW_TABLE_NAME": "mangaflow-smoke-table",
    "MANGAFLOW_BUCKET": "mangaflow-smoke-episodes",
    "MANGAFLOW_EVENT_BUS_NAME": "mangaflow-smoke-events",
    "MANGAFLOW_AWS_REGION": "us-east-1",
    "MANGAFLOW_AUTH_MODE": "cognito",
    "MANGAFLOW_COGNITO_REGION": "us-east-1",
    "MANGAFLOW_COGNITO_USER_POOL_ID": "us-east-1_SMOKETEST",
    "MANGAFLOW_COGNITO_CLIENT_ID": "smoketestclient",
    # boto3 must not look for credentials on an instance-metadata endpoint.
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}

#: Modules that routes import lazily (on their first request); imported after the requests so
#: the asset is known to hold what every route needs, not only /health.
ROUTE_MODULES = (
    "mangaflow.manga.services.batches",
    "mangaflow.manga.services.regenerate",
    "mangaflow.manga.services.queries",
    "mangaflow.api.cognito",
    "mangaflow.support.service",
    "mangaflow.support.workflow",
    "mangaflow.support.extract",
    "pypdf",
)

ERROR_KEYS = {"code", "message", "details", "requestId", "timestamp"}


def rest_event(method: str, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway REST API (payload 1.0) Lambda proxy event, as the stage's
    ``/health`` and ``/{proxy+}`` resources send it."""
    headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com",
               "User-Agent": "smoke", "X-Forwarded-Proto": "https", **(headers or {})}  # fmt: skip
    resource = "/health" if path == "/health" else "/{proxy+}"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None if resource == "/health" else {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": headers["Host"],
            "httpMethod": method,
            "path": f"/dev{path}",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTimeEpoch": 1_700_000_000_000,
            "resourceId": "abcdef",
            "resourcePath": resource,
            "stage": "dev",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "smoke"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "mangaflow-smoke-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mangaflow-smoke-api"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


class Refuse(importlib.abc.MetaPathFinder):
    """Makes ``import name`` (and its submodules) fail as if the package were not installed."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.attempts: set[str] = set()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in self.names:
            self.attempts.add(top)
            raise ModuleNotFoundError(f"No module named {fullname!r} (refused)", name=fullname)
        return None


def _header(response: dict[str, Any], name: str) -> str | None:
    for source in (response.get("headers") or {}, response.get("multiValueHeaders") or {}):
        for key, value in source.items():
            if key.lower() == name:
                return value[0] if isinstance(value, list) else value
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asset", help="asset directory to put first on sys.path")
    parser.add_argument("--refuse", default="", help="comma-separated packages to refuse")
    args = parser.parse_args(argv)
    at_start = set(sys.modules)  # the interpreter's own (and, without -S, site's .pth hooks)

    if args.asset:
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
        sys.path.insert(0, os.path.abspath(args.asset))
    refuse = Refuse({n.strip() for n in args.refuse.split(",") if n.strip()})
    sys.meta_path.insert(0, refuse)

    with tempfile.TemporaryDirectory(prefix="mangaflow-smoke-") as workdir:
        os.chdir(workdir)  # Lambda's cwd is the read-only /var/task: no stray .env is read
        for key, value in LAMBDA_ENV.items():
            os.environ.setdefault(key, value)
        os.environ.setdefault("MANGAFLOW_HOME", os.path.join(workdir, "home"))
        report = exercise(args.asset, refuse, at_start)
        os.chdir(os.path.dirname(workdir))
    print(json.dumps(report))
    return 1 if report["problems"] else 0


def exercise(asset: str | None, refuse: Refuse, at_start: set[str]) -> dict[str, Any]:
    """Three requests through the handler, the lazily imported route modules, and a report."""
    report: dict[str, Any] = {"python": sys.version.split()[0], "problems": []}
    problems: list[str] = report["problems"]
    t0 = time.perf_counter()
    from mangaflow.api.lambda_handler import handler

    t1 = time.perf_counter()
    health = handler(rest_event("GET", "/health"), LambdaContext())
    t2 = time.perf_counter()
    again = handler(rest_event("GET", "/health"), LambdaContext())
    t3 = time.perf_counter()
    no_token = handler(rest_event("GET", "/stories"), LambdaContext())
    bad_token = handler(
        rest_event("GET", "/stories", {"Authorization": "Bearer not-a-jwt"}), LambdaContext()
    )
    for name in ROUTE_MODULES:
        __import__(name)
    report["seconds"] = {"import_handler": round(t1 - t0, 3),
                         "first_request": round(t2 - t1, 3),  # builds the app: the cold start
                         "warm_request": round(t3 - t2, 4)}  # fmt: skip

    report["health"] = {"status": health["statusCode"], "body": json.loads(health["body"])}
    if health["statusCode"] != 200 or report["health"]["body"].get("status") != "ok" \
            or again["statusCode"] != 200:  # fmt: skip
        problems.append(f"GET /health answered {health['statusCode']}: {health['body']}")
    for label, response in (("no_token", no_token), ("bad_token", bad_token)):
        body = json.loads(response["body"])
        report[label] = {"status": response["statusCode"], "body": body,
                         "www_authenticate": _header(response, "www-authenticate")}  # fmt: skip
        error = body.get("error") if isinstance(body, dict) else None
        if response["statusCode"] != 401 or not isinstance(error, dict) \
                or set(error) != ERROR_KEYS or error["code"] != "unauthorized":  # fmt: skip
            problems.append(f"GET /stories ({label}) answered {response['statusCode']}: {body}")

    report["refused"] = sorted(refuse.attempts)
    report["modules"] = {  # top-level modules imported since the start
        name: getattr(module, "__file__", None)
        for name, module in sorted(sys.modules.items())
        if "." not in name and module is not None and name not in at_start
    }
    if asset:  # nothing may come from outside the asset and the standard library
        import sysconfig

        allowed = [os.path.abspath(asset)] + [
            os.path.abspath(sysconfig.get_path(k)) for k in ("stdlib", "platstdlib")
        ]
        report["sys_path"] = list(sys.path)
        for name, file in report["modules"].items():
            if (
                file
                and name not in ("__main__", "__mp_main__")
                and not any(os.path.abspath(file).startswith(a + os.sep) for a in allowed)
            ):
                problems.append(f"{name} was imported from {file}, outside the asset")
    return report


if __name__ == "__main__":
    sys.exit(main())
