"""The OpenAPI schema is the contract: schemathesis fuzzes every route of the app in-process
and checks that nothing answers 500 and every answer (status, content type, headers, body)
is one the schema declares. Run with an admin+rank key, with a key of the wrong scope, and
with no key at all."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.thumbnail_bandit.service.conftest import bearer, seed
from thumbnail_bandit.service import ServiceSettings, create_app

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def _app_on_a_seeded_log() -> tuple[schemathesis.BaseSchema, dict[str, str]]:
    # Built at import, not in a fixture: schemathesis' lazy fixture loader does not work with
    # pytest 9 (it reads a private attribute pytest dropped).
    path = Path(tempfile.mkdtemp(prefix="tb-contract-")) / "log.sqlite"
    _, keys = seed(f"sqlite:///{path}")
    app = create_app(ServiceSettings(db=str(path), rate_per_s=1e6, burst=10**6))
    tokens = {"both": keys.both, "rank": keys.rank, "revoked": keys.revoked}
    return schemathesis.openapi.from_asgi("/openapi.json", app), tokens


schema, TOKENS = _app_on_a_seeded_log()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_route_keeps_to_the_schema(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    for token in (TOKENS["both"], TOKENS["rank"], TOKENS["revoked"], None):
        headers = bearer(token) if token else {}
        if case.headers:
            case.headers.pop("Authorization", None)
        case.call_and_validate(headers=headers, checks=CHECKS)
