"""Products, tests by id, and the feature catalogue of plain and sectioned products."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import ClientFactory, exploratory_test, feature, path_of, product

from testio.client.payloads import Product
from testio.errors import MalformedResponseError


async def test_list_products_skips_an_unreadable_item_and_reports_it(
    make_client: ClientFactory,
) -> None:
    """A product without an id is left out and becomes one `payload` problem."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"products": [product(1), {"name": "no id"}, product(3, sections=(30, 31))]}
        )

    async with make_client(handler) as client:
        products, problems = await client.list_products()

    assert [p.id for p in products] == [1, 3]
    assert products[1].has_sections
    (problem,) = problems
    assert problem.kind == "payload"
    assert "GET products" in problem.message


async def test_get_product_reads_the_product_envelope(make_client: ClientFactory) -> None:
    """`get_product` asks for `products/{id}` and parses its sections."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(path_of(request))
        return httpx.Response(200, json={"product": product(7, sections=(70, 71))})

    async with make_client(handler) as client:
        found = await client.get_product(7)

    assert paths == ["products/7"]
    assert (found.id, found.section_ids, found.has_sections) == (7, (70, 71), True)


async def test_get_test_reads_the_exploratory_test_envelope(make_client: ClientFactory) -> None:
    """`get_test` asks for `exploratory_tests/{id}` and parses the test."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(path_of(request))
        return httpx.Response(200, json={"exploratory_test": exploratory_test(42, pid=7)})

    async with make_client(handler) as client:
        test = await client.get_test(42)

    assert paths == ["exploratory_tests/42"]
    assert (test.id, test.product_id) == (42, 7)


async def test_an_unreadable_single_object_is_a_malformed_response(
    make_client: ClientFactory,
) -> None:
    """A test object without a status cannot be returned: MalformedResponseError after retries."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"exploratory_test": {"id": 42, "product": {"id": 7}}})

    async with make_client(handler, max_retries=2) as client:
        with pytest.raises(MalformedResponseError, match="exploratory_tests/42"):
            await client.get_test(42)
        assert client.requests_made == 2


async def test_a_plain_product_reads_its_features_in_one_call(make_client: ClientFactory) -> None:
    """A product without sections uses `products/{id}/features`; its features carry no section ids."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(path_of(request))
        return httpx.Response(200, json={"features": [feature(1), feature(2)]})

    async with make_client(handler) as client:
        features, problems = await client.list_features(Product.from_api(product(5)))

    assert paths == ["products/5/features"]
    assert [(f.id, sections) for f, sections in features] == [(1, ()), (2, ())]
    assert problems == []


async def test_a_sectioned_product_reads_each_section_and_merges_shared_features(
    make_client: ClientFactory,
) -> None:
    """Features are read per section, deduplicated by id, and list every section they are in."""
    paths: list[str] = []
    by_section = {11: [feature(1), feature(2)], 12: [feature(2), feature(3)]}

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(path_of(request))
        section = int(path_of(request).split("/")[3])
        return httpx.Response(200, json={"features": by_section[section]})

    async with make_client(handler) as client:
        features, problems = await client.list_features(Product.from_api(product(5, (11, 12))))

    assert sorted(paths) == ["products/5/sections/11/features", "products/5/sections/12/features"]
    assert [(f.id, sections) for f, sections in features] == [(1, (11,)), (2, (11, 12)), (3, (12,))]
    assert problems == []


async def test_a_422_on_the_plain_feature_list_falls_back_to_sections(
    make_client: ClientFactory,
) -> None:
    """A product that looked plain but answers 422 is read through its (default) section."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(path_of(request))
        if path_of(request) == "products/5/features":
            return httpx.Response(422, json={"error": "product has sections"})
        return httpx.Response(200, json={"features": [feature(9)]})

    async with make_client(handler) as client:
        features, _ = await client.list_features(Product.from_api(product(5, default=900)))

    assert paths == ["products/5/features", "products/5/sections/900/features"]
    assert [(f.id, sections) for f, sections in features] == [(9, (900,))]


async def test_a_section_that_fails_becomes_a_features_problem(make_client: ClientFactory) -> None:
    """A 404 on one section's features is reported, and the other section is still read."""

    def handler(request: httpx.Request) -> httpx.Response:
        if "/sections/12/" in request.url.path:
            return httpx.Response(404, json={"error": "Not found"})
        return httpx.Response(200, json={"features": [feature(1)]})

    async with make_client(handler) as client:
        features, problems = await client.list_features(Product.from_api(product(5, (11, 12))))

    assert [(f.id, sections) for f, sections in features] == [(1, (11,))]
    (problem,) = problems
    assert (problem.kind, problem.product_id) == ("features", 5)
    assert "section 12" in problem.message
