"""generate_ebr_report's output_file: written inside the reports directory only, owner-only."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.server.test_tools import biggest
from tests.world import World


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("ebr.json", "json"),
        ("ebr.csv", "csv"),
        ("nested/ebr.md", "markdown"),
        ("ebr.html", "html"),
        ("Ebr.HTM", "html"),
    ],
)
async def test_output_file_writes_every_test_row_in_the_format_of_its_extension(
    connect: Connect, synced: World, name: str, check: str
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        data = await call(
            mcp,
            "generate_ebr_report",
            {"product_id": product["id"], "output_file": name, "max_rows": 1},
        )
        path = Path(data["output_file"])
        assert path == synced.settings.reports_dir.resolve() / name
        text = path.read_text(encoding="utf-8")
        total = data["tests_in_scope"]
        if check == "json":
            assert len(json.loads(text)["tests"]) == total
        elif check == "csv":
            assert len(list(csv.DictReader(io.StringIO(text)))) == total
        elif check == "html":
            assert text.startswith("<!DOCTYPE html>")
            assert text.count("<tr data-test-id=") == total
        else:
            assert text.startswith(f"# EBR report: {product['name']}")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_format_html_writes_a_page_whatever_the_file_is_called(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        data = await call(
            mcp,
            "generate_ebr_report",
            {"product_id": product["id"], "output_file": "ebr.txt", "format": "html"},
        )
        text = Path(data["output_file"]).read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>")
        assert f"<h1>EBR report: {product['name']}</h1>" in text


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../escape.json", "a/../../escape.md", "~/x.json", "C:\\x.json", "../x.html"],
)
async def test_output_file_outside_the_reports_directory_is_refused(
    connect: Connect, synced: World, name: str
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        message = await call_error(
            mcp, "generate_ebr_report", {"product_id": product["id"], "output_file": name}
        )
        assert "reports directory" in message
        assert not (synced.settings.reports_dir.parent / "escape.json").exists()


async def test_output_file_through_a_symlink_out_is_refused(
    connect: Connect, synced: World, tmp_path: Path
) -> None:
    async with connect() as mcp:
        reports = synced.settings.reports_dir
        reports.mkdir(parents=True, exist_ok=True)
        outside = tmp_path / "outside"
        outside.mkdir()
        (reports / "link").symlink_to(outside)
        product = biggest(synced)
        message = await call_error(
            mcp, "generate_ebr_report", {"product_id": product["id"], "output_file": "link/x.json"}
        )
        assert "symlinks out are refused" in message
        assert list(outside.iterdir()) == []
