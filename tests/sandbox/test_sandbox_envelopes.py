"""Envelopes and field shapes of every read endpoint, per object type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from testio.sandbox import Sandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR
from testio.sandbox.reasons import DEFAULT_COMMENTS

Connect = Callable[..., httpx.AsyncClient]

PRODUCT_KEYS = {
    "id", "name", "description", "type", "default_section_id", "sections",
    "sections_with_default", "connection", "remote_device_testing",
}  # fmt: skip
SECTION_KEYS = {"id", "name", "connection", "test_templates"}
TEST_KEYS = {
    "id", "title", "test_title", "status", "review_status", "testing_type", "goal", "goal_text",
    "out_of_scope", "out_of_scope_text", "instructions", "instructions_text", "start_at", "end_at",
    "test_environment", "features", "requirements", "attachments", "report_language", "section",
    "product", "enable_low", "enable_high", "enable_critical", "allow_device_clouds_test_scenario",
    "created_by", "submitted_by", "allowed_bug_types", "reviews", "demo",
}  # fmt: skip
TEST_FEATURE_KEYS = {
    "id", "feature_id", "title", "description", "location", "howtofind", "target_idx",
    "enable_default", "enable_content", "enable_visual", "custom_report_configurations", "user_stories",
}  # fmt: skip
REQUIREMENT_KEYS = {
    "id", "category", "operating_system", "min_operating_system_version",
    "max_operating_system_version", "browsers", "devices", "input_devices", "vendor",
    "browser_based", "gaming",
}  # fmt: skip
ENVIRONMENT_KEYS = {
    "id", "title", "url", "username", "password", "access", "proxy", "allow_orders", "access_type",
    "environment_test_information", "binary_app",
}  # fmt: skip
BUG_KEYS = {
    "id", "title", "severity", "status", "auto_accepted", "known", "fixed", "exported_at",
    "external_idx", "language", "location", "steps", "author", "test", "feature", "product",
    "devices", "attachments", "comments", "reported_at",
}  # fmt: skip


def _tests(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten the ground truth's tests of account 0."""
    return [t for p in products for t in p["tests"]]


def _test_with_bugs(
    products: list[dict[str, Any]], testing_type: str | None = "coverage"
) -> dict[str, Any]:
    """Pick a plain test with bugs."""
    return next(
        t
        for t in _tests(products)
        if t["bugs"] and not t["poisoned"] and t["testing_type"] == testing_type
    )


async def test_products_come_in_a_products_envelope_with_every_product_key(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("products")

    products = response.json()["products"]
    assert products
    assert all(set(p) == PRODUCT_KEYS for p in products)
    assert all(set(s) == SECTION_KEYS for p in products for s in p["sections_with_default"])


async def test_one_product_comes_in_a_product_envelope(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.get(f"products/{products[0]['id']}")

    assert set(response.json()) == {"product"}
    assert response.json()["product"]["id"] == products[0]["id"]


async def test_exploratory_test_carries_every_documented_key(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    test = _test_with_bugs(products)

    body = (await api.get(f"exploratory_tests/{test['id']}")).json()

    item = body["exploratory_test"]
    assert set(item) == TEST_KEYS
    assert item["title"] == item["test_title"]
    assert all(set(f) == TEST_FEATURE_KEYS for f in item["features"])
    assert all(set(r) == REQUIREMENT_KEYS for r in item["requirements"])
    assert set(item["test_environment"]) == ENVIRONMENT_KEYS
    assert set(item["product"]) == PRODUCT_KEYS


async def test_test_list_items_have_the_single_test_shape(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.get(f"products/{products[1]['id']}/exploratory_tests", params={"page": 1})

    items = response.json()["exploratory_tests"]
    assert items
    assert all(set(item) == TEST_KEYS for item in items)


async def test_functional_bug_carries_every_documented_key(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    test = _test_with_bugs(products)

    body = (await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()

    functional = [b for b in body["bugs"] if b["severity"] in ("low", "high", "critical")]
    assert functional
    assert all(set(b) >= BUG_KEYS for b in functional)
    assert all(isinstance(b["steps"], list) and isinstance(b["devices"], list) for b in functional)
    assert all("report" not in b for b in functional)


async def test_custom_bug_has_null_steps_and_devices_and_a_report(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    test = next(t for t in _tests(products) if any(b["severity"] == "custom" for b in t["bugs"]))

    body = (await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()

    custom = next(b for b in body["bugs"] if b["severity"] == "custom")
    assert custom["steps"] is None
    assert custom["devices"] is None
    assert set(custom["report"]) == {"title", "custom_report_configuration_id", "content"}
    assert custom["report"]["content"]["data"][0]["type"] == "text"


async def test_bug_batch_carries_meta_record_count(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    test = _test_with_bugs(products)

    body = (await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()

    assert set(body) == {"bugs", "meta"}
    assert body["meta"] == {"record_count": len(body["bugs"])}
    assert len(body["bugs"]) == len(test["bugs"])


async def test_one_bug_comes_in_a_bug_envelope(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _test_with_bugs(products)["bugs"][0]

    body = (await api.get(f"bugs/{bug['id']}")).json()

    assert set(body) == {"bug"}
    assert body["bug"]["id"] == bug["id"]


async def test_user_story_comes_as_a_bare_object_with_path_equal_to_title(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    legacy = next(p for p in products if not p["has_sections"])
    stories = (await api.get(f"products/{legacy['id']}/user_stories")).json()["user_stories"]

    story = (await api.get(f"user_stories/{stories[0]['id']}")).json()

    assert story == stories[0]
    assert set(story) == {"id", "path", "title"}
    assert story["path"] == story["title"]


async def test_feature_user_stories_are_titles_and_one_title_is_shared_by_two_features(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    legacy = next(p for p in products if not p["has_sections"])

    features = (await api.get(f"products/{legacy['id']}/features")).json()["features"]

    assert all(
        set(f) == {"id", "title", "description", "howtofind", "user_stories"} for f in features
    )
    titles = [title for f in features for title in f["user_stories"]]
    assert all(isinstance(t, str) for t in titles)
    assert len(titles) > len(set(titles))


async def test_test_case_results_come_as_a_bare_array(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = next(
        p for p in products if any(t["testing_type"] is None and t["bugs"] for t in p["tests"])
    )
    test = next(t for t in product["tests"] if t["testing_type"] is None and t["bugs"])

    response = await api.get(f"products/{product['id']}/test_case_tests/{test['id']}/results")

    assert response.content.startswith(b"[")
    executions = response.json()
    assert executions
    assert all(set(r) == {"test_case_id", "status", "tester", "steps"} for r in executions)


async def test_test_case_test_comes_in_its_envelope(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = next(p for p in products if any(t["testing_type"] is None for t in p["tests"]))
    test = next(t for t in product["tests"] if t["testing_type"] is None)

    body = (await api.get(f"products/{product['id']}/test_case_tests/{test['id']}")).json()

    assert set(body) == {"test_case_test"}
    assert body["test_case_test"]["test_cases"][0]["steps"]


async def test_test_case_endpoint_answers_404_for_an_exploratory_test(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = products[0]
    test = next(t for t in product["tests"] if t["testing_type"] == "coverage")

    response = await api.get(f"products/{product['id']}/test_case_tests/{test['id']}")

    assert response.status_code == 404


async def test_reject_reasons_carry_the_exact_default_comments(api: httpx.AsyncClient) -> None:
    body = (await api.get("bugs/reject_reasons")).json()

    assert {r["key"]: r["default_comment"] for r in body["reject_reasons"]} == DEFAULT_COMMENTS
    assert "request_timeout" not in {r["key"] for r in body["reject_reasons"]}


async def test_test_environments_come_in_list_and_single_envelopes(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product_id = products[0]["id"]
    listing = (await api.get(f"products/{product_id}/test_environments")).json()[
        "test_environments"
    ]

    single = (await api.get(f"products/{product_id}/test_environments/{listing[0]['id']}")).json()

    assert all(set(e) == ENVIRONMENT_KEYS for e in listing)
    assert single == {"test_environment": listing[0]}


async def test_test_templates_come_in_their_envelope(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.get("test_templates", params={"product_id": products[0]["id"]})

    templates = response.json()["test_templates"]
    assert templates
    assert templates[0]["max_test_duration"] == 48


async def test_responses_are_json_marked_no_cache_without_paging_headers(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("products")

    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-cache"
    assert "etag" not in response.headers
    assert "link" not in response.headers


async def test_timestamps_carry_mixed_offsets_and_are_never_naive(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    ids = [t["id"] for t in products[0]["tests"] if not t["poisoned"] and t["end_at"]]

    stamps = [
        (await api.get(f"exploratory_tests/{i}")).json()["exploratory_test"]["end_at"] for i in ids
    ]
    assert all(datetime.fromisoformat(s).tzinfo is not None for s in stamps)
    suffixes = {s[-6:] if s[-6] in "+-" else "Z" for s in stamps}
    assert {"Z", "+00:00"} <= suffixes
    assert suffixes & {"+01:00", "+02:00"}


async def test_rejection_reasons_hide_in_comments_with_the_exact_texts(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    rejected = [
        (t["id"], b)
        for t in _tests(products)
        for b in t["bugs"]
        if b["reject_reason"] in DEFAULT_COMMENTS
    ]
    test_ids = sorted({test_id for test_id, _ in rejected})[:10]

    body = (
        await api.get("bugs", params={"filter_test_cycle_ids": ",".join(map(str, test_ids))})
    ).json()

    by_id = {b["id"]: b for b in body["bugs"]}
    checked = [(b, by_id[b["id"]]) for test_id, b in rejected if test_id in test_ids]
    assert checked
    for truth, bug in checked:
        assert any(DEFAULT_COMMENTS[truth["reject_reason"]] in c["body"] for c in bug["comments"])


async def test_staging_profile_leaves_out_auto_accepted(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    staging = Sandbox(SandboxConfig(now=ANCHOR, profile="staging"))
    test = _test_with_bugs(products)

    async with connect(staging) as client:
        body = (await client.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()

    assert body["bugs"]
    assert all("auto_accepted" not in b for b in body["bugs"])


async def test_data_carries_the_documented_nulls_and_missing_keys(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    ids = [t["id"] for t in _tests(products) if t["bugs"] and not t["poisoned"]][:25]
    bugs = (
        await api.get("bugs", params={"filter_test_cycle_ids": ",".join(map(str, ids))})
    ).json()["bugs"]
    tests = [(await api.get(f"exploratory_tests/{i}")).json()["exploratory_test"] for i in ids]

    assert any("test_feature" not in b for b in bugs)
    assert any(b.get("test_feature", 0) is None for b in bugs)
    assert any(
        b.get("actual_result") == "" or str(b.get("actual_result")).startswith(" ") for b in bugs
    )
    assert any(f["user_stories"] is None for t in tests for f in t["features"])
    assert any(f["enable_content"] is None for t in tests for f in t["features"])
    assert any(t["test_environment"]["username"] == "" for t in tests)
