"""Without Chromium the browser tests skip locally, but fail where TESTIO_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TEST = "tests/rendering/test_html_browser.py::test_the_chart_check_finds_an_empty_chart_blank"
ROOT = Path(__file__).resolve().parents[2]


def run_without_a_browser(tmp_path: Path, *, require: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TESTIO_REQUIRE_BROWSER"}
    env["PATH"] = str(tmp_path)  # no chromium, no pdftotext on it
    if require:
        env["TESTIO_REQUIRE_BROWSER"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("require", "outcome", "code"), [(False, "1 skipped", 0), (True, "1 error", 1)]
)
def test_a_missing_browser_skips_or_fails_as_the_environment_asks(
    tmp_path: Path, require: bool, outcome: str, code: int
) -> None:
    done = run_without_a_browser(tmp_path, require=require)
    assert done.returncode == code, done.stdout[-2000:]
    assert outcome in done.stdout
    assert "chromium is not installed" in done.stdout
