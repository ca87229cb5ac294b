"""The Customer API v2 routes: parse the request, check the token, call a view."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import cast

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from testio.sandbox.bug_view import BugQuery, BugView
from testio.sandbox.catalogue_view import CatalogueView
from testio.sandbox.cycle_view import CycleView
from testio.sandbox.errors import ApiError, BadRequest, GatewayTimeout, NotFound, Unprocessable
from testio.sandbox.records import Account
from testio.sandbox.sandbox import Sandbox
from testio.sandbox.triage import ACTIONS

PREFIX = "/customer/v2"
DEFAULT_PER_PAGE = 25
HEADERS = {"cache-control": "no-cache"}
GATEWAY_TIMEOUT_PAGE = (
    "<!DOCTYPE html><html><head><title>api.test.io | 524: A timeout occurred</title></head>"
    "<body><h1>A timeout occurred</h1><p>Error code 524. The origin web server timed out "
    "responding to this request.</p></body></html>"
)
PLAIN_MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    500: "Internal Server Error",
}

logger = logging.getLogger("testio.sandbox")


@attrs.frozen
class Views:
    """The three renderers the routes call."""

    catalogue: CatalogueView
    cycles: CycleView
    bugs: BugView


@attrs.frozen
class Call:
    """One authenticated API request, with helpers to read its parameters."""

    request: Request
    sandbox: Sandbox
    views: Views
    account: Account
    now: datetime
    body: bytes

    def path_id(self, name: str) -> int:
        """Read an id from the path; a non-integer segment is an unknown resource (404)."""
        raw = str(self.request.path_params[name])
        if not (raw.isascii() and raw.isdigit()):
            raise NotFound(f"No resource with id {raw!r}.")
        return int(raw)

    def query(self, name: str) -> str | None:
        """Read one query parameter."""
        return self.request.query_params.get(name)

    def query_id(self, name: str) -> int | None:
        """Read an optional id from the query; a non-integer value is a bad request (400)."""
        raw = self.query(name)
        if raw is None or raw == "":
            return None
        if not (raw.strip().isascii() and raw.strip().isdigit()):
            raise BadRequest(f"Query parameter {name} must be an integer id, not {raw!r}.")
        return int(raw)

    def json_body(self) -> dict[str, object]:
        """Parse the JSON object body (an empty body reads as {})."""
        return parse_object(self.body)


def parse_object(raw: bytes) -> dict[str, object]:
    """Parse a JSON object body; an empty body reads as {} and anything else is a 400."""
    if not raw.strip():
        return {}
    try:
        value: object = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return cast(dict[str, object], value)


def id_list(name: str, raw: str | None) -> tuple[int, ...] | None:
    """Parse a comma-separated id list; a non-integer entry is a bad request (400)."""
    if raw is None:
        return None
    ids: list[int] = []
    for part in raw.split(","):
        item = part.strip()
        if not item:
            continue
        if not (item.isascii() and item.isdigit()):
            raise BadRequest(f"{name} must be comma-separated integer ids; {item!r} is not one.")
        ids.append(int(item))
    return tuple(ids)


def _positive(raw: str | None, default: int) -> int:
    """Read a positive integer query value, falling back to a default for anything else."""
    if raw is None or not (raw.strip().isascii() and raw.strip().isdigit()):
        return default
    value = int(raw)
    return value if value >= 1 else default


# -- handlers ----------------------------------------------------------------------------------


def list_products(call: Call) -> str:
    """GET products."""
    params = call.request.query_params
    raw = [*params.getlist("filter[product_ids][]"), *params.getlist("filter[product_ids]")]
    only: set[int] | None = None
    if raw:
        only = set()
        for value in raw:
            only.update(id_list("filter[product_ids]", value) or ())
    return call.views.catalogue.products(call.account, only)


def get_product(call: Call) -> str:
    """GET products/{pid}."""
    return call.views.catalogue.product(call.account, call.path_id("pid"))


def list_features(call: Call) -> str:
    """GET products/{pid}/features."""
    return call.views.catalogue.features(call.account, call.path_id("pid"))


def list_section_features(call: Call) -> str:
    """GET products/{pid}/sections/{sid}/features."""
    return call.views.catalogue.section_features(
        call.account, call.path_id("pid"), call.path_id("sid")
    )


def list_user_stories(call: Call) -> str:
    """GET products/{pid}/user_stories."""
    return call.views.catalogue.user_stories(
        call.account, call.path_id("pid"), call.query_id("section_id")
    )


def get_user_story(call: Call) -> str:
    """GET user_stories/{usid}."""
    return call.views.catalogue.user_story(call.account, call.path_id("usid"))


def list_tests(call: Call) -> str:
    """GET products/{pid}/exploratory_tests."""
    raw_page = call.query("page")
    page = None if raw_page is None else _positive(raw_page, 1)
    per_page = _positive(call.query("per_page"), DEFAULT_PER_PAGE)
    cap = call.sandbox.config.per_page_cap
    if cap is not None:
        per_page = min(per_page, cap)
    return call.views.cycles.page(call.account, call.path_id("pid"), page, per_page, call.now)


def get_test(call: Call) -> str:
    """GET exploratory_tests/{tid}."""
    return call.views.cycles.one(call.account, call.path_id("tid"), call.now)


def list_bugs(call: Call) -> str:
    """GET bugs."""
    query = BugQuery(
        test_ids=id_list("filter_test_cycle_ids", call.query("filter_test_cycle_ids")),
        product_ids=id_list("filter_product_ids", call.query("filter_product_ids")),
        section_ids=id_list("filter_section_ids", call.query("filter_section_ids")),
        export_status=call.query("export_status"),
    )
    return call.views.bugs.batch(call.account, query, call.now)


def get_bug(call: Call) -> str:
    """GET bugs/{bid}."""
    return call.views.bugs.one(call.account, call.path_id("bid"), call.now)


def search_bugs(call: Call) -> str:
    """POST bugs: search by external tracker key."""
    wrapper = call.json_body().get("bug")
    key = (
        cast(dict[str, object], wrapper).get("external_idx") if isinstance(wrapper, dict) else None
    )
    if not isinstance(key, str):
        raise Unprocessable('Searching bugs needs a body {"bug": {"external_idx": "KEY-123"}}.')
    return call.views.bugs.search(call.account, key, call.now)


def list_reject_reasons(call: Call) -> str:
    """GET bugs/reject_reasons."""
    return call.views.catalogue.reject_reasons()


def list_environments(call: Call) -> str:
    """GET products/{pid}/test_environments."""
    return call.views.catalogue.environments(call.account, call.path_id("pid"))


def get_environment(call: Call) -> str:
    """GET products/{pid}/test_environments/{eid}."""
    return call.views.catalogue.environment(call.account, call.path_id("pid"), call.path_id("eid"))


def list_templates(call: Call) -> str:
    """GET test_templates?product_id=&section_id=."""
    product_id = call.query_id("product_id")
    if product_id is None:
        raise BadRequest("test_templates needs a product_id query parameter.")
    return call.views.catalogue.templates(call.account, product_id, call.query_id("section_id"))


def get_test_case_test(call: Call) -> str:
    """GET products/{pid}/test_case_tests/{tid}."""
    return call.views.cycles.test_case(
        call.account, call.path_id("pid"), call.path_id("tid"), call.now
    )


def list_test_case_results(call: Call) -> str:
    """GET products/{pid}/test_case_tests/{tid}/results (a bare array)."""
    return call.views.cycles.test_case_results(
        call.account, call.path_id("pid"), call.path_id("tid"), call.now
    )


def _triage(action: str) -> Callable[[Call], str]:
    """Build the handler of one triage action (PUT bugs/{bid}/<action>)."""

    def handle(call: Call) -> str:
        body = call.json_body()
        bug_id = call.path_id("bid")
        reason = body.get("reason", call.query("reason"))
        comment = body.get("comment", call.query("comment"))
        call.sandbox.triage(
            call.account,
            bug_id,
            action,
            reason=reason if isinstance(reason, str) else None,
            comment=comment if isinstance(comment, str) else None,
            now=call.now,
        )
        return call.views.bugs.one(call.account, bug_id, call.now)

    handle.__doc__ = f"PUT bugs/{{bid}}/{action}."
    return handle


ENDPOINTS: tuple[tuple[str, str, Callable[[Call], str]], ...] = (
    ("GET", "/products", list_products),
    ("GET", "/products/{pid}", get_product),
    ("GET", "/products/{pid}/features", list_features),
    ("GET", "/products/{pid}/sections/{sid}/features", list_section_features),
    ("GET", "/products/{pid}/user_stories", list_user_stories),
    ("GET", "/user_stories/{usid}", get_user_story),
    ("GET", "/products/{pid}/exploratory_tests", list_tests),
    ("GET", "/exploratory_tests/{tid}", get_test),
    ("GET", "/bugs", list_bugs),
    ("POST", "/bugs", search_bugs),
    ("GET", "/bugs/reject_reasons", list_reject_reasons),
    ("GET", "/bugs/{bid}", get_bug),
    *(("PUT", f"/bugs/{{bid}}/{action}", _triage(action)) for action in ACTIONS),
    ("GET", "/products/{pid}/test_environments", list_environments),
    ("GET", "/products/{pid}/test_environments/{eid}", get_environment),
    ("GET", "/test_templates", list_templates),
    ("GET", "/products/{pid}/test_case_tests/{tid}", get_test_case_test),
    ("GET", "/products/{pid}/test_case_tests/{tid}/results", list_test_case_results),
)

_PATTERNS = tuple(
    (method, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"), template)
    for method, template, _ in ENDPOINTS
)


def route_key(method: str, path: str) -> str:
    """Name the endpoint a request goes to, e.g. "GET /products/{pid}/exploratory_tests"."""
    relative = path[len(PREFIX) :] if path.startswith(PREFIX) else path
    for endpoint_method, pattern, template in _PATTERNS:
        if endpoint_method == method and pattern.match(relative):
            return f"{method} {template}"
    return f"{method} (unmatched)"


# -- responses ---------------------------------------------------------------------------------


def json_response(text: str, status: int = 200) -> Response:
    """Answer with a JSON body."""
    return Response(
        text.encode(), status_code=status, media_type="application/json", headers=HEADERS
    )


def error_response(status: int, message: str) -> Response:
    """Answer with an `{"error": ...}` body (the fixed texts for 401, 403, 404 and 500)."""
    text = PLAIN_MESSAGES.get(status, message)
    return json_response(json.dumps({"error": text}), status)


def gateway_timeout() -> Response:
    """Answer 524 with an HTML page, as the CDN in front of the real API does."""
    return Response(GATEWAY_TIMEOUT_PAGE, status_code=524, media_type="text/html", headers=HEADERS)


def _endpoint(
    sandbox: Sandbox, views: Views, handler: Callable[[Call], str]
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with authentication and the error-to-status mapping."""

    async def endpoint(request: Request) -> Response:
        try:
            account = sandbox.authenticate(request.headers.get("authorization"))
            body = await request.body() if request.method in ("POST", "PUT") else b""
            call = Call(request, sandbox, views, account, sandbox.now(), body)
            return json_response(handler(call))
        except GatewayTimeout:
            return gateway_timeout()
        except ApiError as exc:
            return error_response(exc.status, exc.message)
        except Exception:
            logger.exception("Sandbox endpoint %s %s failed", request.method, request.url.path)
            return error_response(500, "Internal Server Error")

    return endpoint


def api_routes(sandbox: Sandbox) -> list[Route]:
    """Build the Starlette routes of the Customer API under /customer/v2."""
    views = Views(CatalogueView(sandbox), CycleView(sandbox), BugView(sandbox))
    return [
        Route(
            PREFIX + template,
            _endpoint(sandbox, views, handler),
            methods=[method],
            name=f"{method} {template}",
        )
        for method, template, handler in ENDPOINTS
    ]
