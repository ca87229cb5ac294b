"""search through the MCP protocol: ranked, with snippets, filtered, and never crashing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from testio.client.bug_payloads import Bug
from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.world import NOW, World

pytestmark = pytest.mark.sqlite_only  # full-text search needs the SQLite cache


async def some_bug(world: World) -> dict[str, Any]:
    product = max(world.products(), key=lambda p: sum(len(t["bugs"]) for t in p["tests"]))
    test = max((t for t in product["tests"] if not t["poisoned"]), key=lambda t: len(t["bugs"]))
    bugs = (await world.raw("bugs", filter_test_cycle_ids=str(test["id"])))["bugs"]
    return bugs[0]


async def test_search_finds_a_bug_by_the_words_of_its_title_with_a_marked_snippet(
    connect: Connect, synced: World
) -> None:
    bug = await some_bug(synced)
    async with connect() as mcp:
        data = await call(mcp, "search", {"query": bug["title"], "kinds": ["bug"], "limit": 100})
    ids = [h["id"] for h in data["hits"]]
    assert bug["id"] in ids
    hit = data["hits"][ids.index(bug["id"])]
    assert hit["kind"] == "bug"
    assert hit["title"] == bug["title"]
    assert hit["product"]["id"] == bug["product"]["id"]
    marked = re.findall(r"\[(\w+)\]", hit["snippet"])
    assert {w.lower() for w in marked} <= {w.lower() for w in re.findall(r"\w+", bug["title"])}
    assert marked
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)


async def test_search_finds_features_and_user_stories_by_title(
    connect: Connect, synced: World
) -> None:
    product = next(p for p in synced.products() if not p["has_sections"])
    features = (await synced.raw(f"products/{product['id']}/features"))["features"]
    stories = (await synced.raw(f"products/{product['id']}/user_stories"))["user_stories"]
    async with connect() as mcp:
        found = await call(
            mcp,
            "search",
            {"query": features[0]["title"], "kinds": ["feature"], "product_id": product["id"]},
        )
        assert features[0]["id"] in [h["id"] for h in found["hits"]]
        assert {h["kind"] for h in found["hits"]} == {"feature"}
        assert {h["product"]["id"] for h in found["hits"]} == {product["id"]}
        told = await call(
            mcp,
            "search",
            {"query": stories[0]["title"], "kinds": ["user_story"], "limit": 100},
        )
        assert stories[0]["id"] in [h["id"] for h in told["hits"]]


async def test_search_limits_hits_to_one_product(connect: Connect, synced: World) -> None:
    bug = await some_bug(synced)
    word = max(bug["title"].split(), key=len)
    async with connect() as mcp:
        everywhere = await call(mcp, "search", {"query": word, "limit": 100})
        other = next(p["id"] for p in synced.products() if p["id"] != bug["product"]["id"])
        narrowed = await call(mcp, "search", {"query": word, "product_id": other, "limit": 100})
    assert {h["product"]["id"] for h in narrowed["hits"]} <= {other}
    assert len({h["product"]["id"] for h in everywhere["hits"]}) >= 1


@pytest.mark.parametrize("query", ['"order button', "AND", "title:x OR", "a NEAR(", "*"])
async def test_a_malformed_fts5_query_is_a_one_sentence_tool_error(
    connect: Connect, query: str
) -> None:
    async with connect() as mcp:
        message = await call_error(mcp, "search", {"query": query, "syntax": "fts5"})
    assert message.startswith(f"Cannot search for {query!r}")
    assert message.endswith(".")
    assert ". " not in message


@pytest.mark.parametrize("query", ['"order button', "AND", "title:x OR", "can't log in"])
async def test_plain_words_never_make_a_query_error(connect: Connect, query: str) -> None:
    async with connect() as mcp:
        data = await call(mcp, "search", {"query": query})
    assert data["match"].startswith('"')


async def test_a_query_without_words_says_what_to_give(connect: Connect) -> None:
    async with connect() as mcp:
        message = await call_error(mcp, "search", {"query": "?!"})
    assert message == "The search '?!' has no words to look for; give at least one word."


async def test_the_index_follows_bug_updates_and_deletions(synced: World) -> None:
    bug = await some_bug(synced)
    parsed = Bug.from_api(bug)
    renamed = Bug.from_api({**bug, "title": "Zanzibar quokka overlaps the footer"})
    later = NOW + timedelta(minutes=1)
    async with synced.app() as app:
        async with app.search() as svc:
            before = await svc.search("quokka")
        async with app.sync() as sync:  # the repositories' write path, as a sync uses it
            await sync.repos.bugs.upsert(
                [renamed], product_of={parsed.test_id: bug["product"]["id"]}, synced_at=later
            )
        async with app.search() as svc:
            after_rename = await svc.search("quokka zanzibar")
            old_title = await svc.search(bug["title"], kinds=["bug"], limit=100)
        async with app.sync() as sync:
            await sync.repos.bugs.delete_missing([parsed.test_id], keep=[])
        async with app.search() as svc:
            after_delete = await svc.search("quokka")
        async with app.engine.connect() as conn:
            for table in ("bugs_fts", "tests_fts", "features_fts", "user_stories_fts"):
                await conn.exec_driver_sql(
                    f"INSERT INTO {table}({table}) VALUES('integrity-check')"
                )
    assert before.hits == ()
    assert [h.id for h in after_rename.hits] == [bug["id"]]
    assert bug["id"] not in [h.id for h in old_title.hits]
    assert after_delete.hits == ()
