"""The `testio` command as a person runs it: demo, report, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.world import World


def run_testio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TESTIO_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "testio", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=180,
        check=False,
    )


def cache_only(world: World) -> dict[str, str]:
    return {
        "TESTIO_DATABASE_URL": world.settings.database_url,
        "TESTIO_REPORTS_DIR": str(world.settings.reports_dir),
    }


def test_demo_runs_every_tool_against_the_sandbox_and_ends_with_the_ebr_summary() -> None:
    done = run_testio("demo", "--size", "small")
    assert done.returncode == 0, done.stderr[-3000:]
    for tool in (
        "list_products",
        "health_check",
        "list_tests",
        "get_test_status",
        "generate_ebr_report",
        "get_database_stats",
        "get_sync_history",
        "get_problematic_tests",
        "sync_data",
        "list_bugs",
        "list_features",
        "list_user_stories",
        "search",
        "query_metrics",
        "get_triage_log",
    ):
        assert f"→ {tool}(" in done.stdout
    assert "EBR summary" in done.stdout
    assert "Overall health:" in done.stdout


def test_report_prints_the_ebr_in_each_format(synced: World) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    executed = [
        t
        for t in product["tests"]
        if not t["poisoned"] and t["status"] in {"running", "locked", "archived"}
    ]
    pid = str(product["id"])
    table = run_testio("report", "--product", pid, env=cache_only(synced))
    assert table.returncode == 0, table.stderr
    assert f"Tests in scope: {len(executed)}" in table.stdout
    as_json = run_testio("report", "--product", pid, "--format", "json", env=cache_only(synced))
    assert json.loads(as_json.stdout)["tests_in_scope"] == len(executed)
    as_csv = run_testio("report", "--product", pid, "--format", "csv", env=cache_only(synced))
    assert len(list(csv.DictReader(io.StringIO(as_csv.stdout)))) == len(executed)
    as_md = run_testio("report", "--product", pid, "--format", "md", env=cache_only(synced))
    assert as_md.stdout.startswith(f"# EBR report: {product['name']}")


def test_report_out_writes_an_owner_only_html_page_of_every_test(synced: World) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    pid = str(product["id"])
    done = run_testio(
        "report", "--product", pid, "--format", "html", "--out", "ebr.html", env=cache_only(synced)
    )
    assert done.returncode == 0, done.stderr
    path = synced.settings.reports_dir.resolve() / "ebr.html"
    as_json = json.loads(
        run_testio("report", "--product", pid, "--format", "json", env=cache_only(synced)).stdout
    )
    assert done.stdout == f"Wrote {path} ({as_json['tests_in_scope']} tests).\n"
    text = path.read_text(encoding="utf-8")
    assert text.count("<tr data-test-id=") == as_json["tests_in_scope"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for warning in as_json["warnings"]:
        assert f"warning: {warning['message']}" in done.stderr


def test_report_out_takes_the_format_from_the_file_extension(synced: World) -> None:
    pid = str(synced.products()[0]["id"])
    for name, start in (("nested/ebr.htm", "<!DOCTYPE html>"), ("ebr.md", "# EBR report: ")):
        done = run_testio("report", "--product", pid, "--out", name, env=cache_only(synced))
        assert done.returncode == 0, done.stderr
        path = synced.settings.reports_dir.resolve() / name
        assert path.read_text(encoding="utf-8").startswith(start)


def test_report_out_outside_the_reports_directory_is_refused_and_writes_nothing(
    synced: World, tmp_path: Path
) -> None:
    pid = str(synced.products()[0]["id"])
    done = run_testio("report", "--product", pid, "--out", "../escape.html", env=cache_only(synced))
    assert done.returncode == 1
    assert done.stderr.startswith("testio: output_file must stay inside the reports directory")
    assert not (synced.settings.reports_dir.parent / "escape.html").exists()


def test_report_table_to_a_file_is_refused_with_the_file_formats(synced: World) -> None:
    pid = str(synced.products()[0]["id"])
    done = run_testio(
        "report", "--product", pid, "--format", "table", "--out", "x.txt", env=cache_only(synced)
    )
    assert done.returncode == 1
    assert done.stderr == (
        "testio: the table format is for the terminal; use --format md, json, csv or html "
        "with --out.\n"
    )


def test_report_html_without_out_prints_the_page(synced: World) -> None:
    pid = str(synced.products()[0]["id"])
    done = run_testio("report", "--product", pid, "--format", "html", env=cache_only(synced))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<!DOCTYPE html>")
    assert done.stdout.rstrip().endswith("</html>")


def test_report_on_an_unknown_product_is_one_sentence_and_exit_1(synced: World) -> None:
    done = run_testio("report", "--product", "424242", env=cache_only(synced))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "testio: No product 424242 in the cache; call list_products to see the products."
    )
    assert done.stdout == ""


def test_report_with_a_bad_date_lists_the_accepted_forms(synced: World) -> None:
    pid = str(synced.products()[0]["id"])
    done = run_testio("report", "--product", pid, "--from", "soon", env=cache_only(synced))
    assert done.returncode == 1
    assert "Cannot read 'soon' as a date; use YYYY-MM-DD" in done.stderr
    assert "Traceback" not in done.stderr


def test_sync_without_a_token_says_how_to_set_it(tmp_path: Path) -> None:
    done = run_testio("sync", env={"TESTIO_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"})
    assert done.returncode == 1
    assert "TESTIO_API_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_setting_is_one_sentence(tmp_path: Path) -> None:
    done = run_testio("sync", env={"TESTIO_API_URL": "ftp://x", "TESTIO_API_TOKEN": "t"})
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "testio: TESTIO_API_URL must start with http:// or https:// (got 'ftp://x')."
    )


def test_report_with_several_products_prints_the_comparison_and_each_product(
    synced: World,
) -> None:
    """Repeating --product gives the multi-product report: comparison, combined, sections."""
    products = sorted(synced.products(), key=lambda p: p["id"])
    args = [a for p in products for a in ("--product", str(p["id"]))]
    table = run_testio("report", *args, env=cache_only(synced))
    assert table.returncode == 0, table.stderr
    for product in products:
        assert f"{product['name']} ({product['id']})" in table.stdout
    assert "Combined" in table.stdout
    as_json = json.loads(
        run_testio("report", *args, "--format", "json", env=cache_only(synced)).stdout
    )
    assert [p["scope"]["product"]["id"] for p in as_json["products"]] == [p["id"] for p in products]
    assert as_json["tests_in_scope"] == sum(p["tests_in_scope"] for p in as_json["products"])
    as_md = run_testio("report", *args, "--format", "md", env=cache_only(synced))
    assert as_md.stdout.startswith(f"# EBR report: {len(products)} products")
