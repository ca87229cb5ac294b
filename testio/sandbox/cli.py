"""The `testio sandbox` command: serve a simulated TestIO Customer API v2 on this machine."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

import uvicorn

from testio.sandbox.app import create_app
from testio.sandbox.clock import parse_instant, utc_stamp
from testio.sandbox.config import Faults, SandboxConfig
from testio.sandbox.sandbox import Sandbox
from testio.sandbox.server import uvicorn_config

DESCRIPTION = (
    "Serve a simulated TestIO Customer API v2 on this machine (see testio/sandbox/README.md)."
)


def _latency(text: str) -> tuple[float, float]:
    """Parse `MS` or `MIN-MAX` milliseconds."""
    low, _, high = text.partition("-")
    try:
        pair = (float(low), float(high or low))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"latency must be MS or MIN-MAX, not {text!r}") from exc
    if pair[0] < 0 or pair[1] < pair[0]:
        raise argparse.ArgumentTypeError(
            f"latency must be MS or MIN-MAX with MIN <= MAX, not {text!r}"
        )
    return pair


def _rate(text: str) -> float:
    """Parse a probability in [0, 1]."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1, not {text!r}"
        ) from exc
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, not {text!r}")
    return value


def _per_second(text: str) -> float:
    """Parse a positive number of requests per second."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected requests per second, not {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"the rate limit must be positive, not {text!r}")
    return value


def _instant(text: str) -> Any:
    """Parse an aware ISO-8601 instant."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox options to a parser."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument(
        "--seed", type=int, default=1, help="data seed; same seed, same data (default 1)"
    )
    parser.add_argument(
        "--size", choices=("small", "medium", "large"), default="small", help="dataset size"
    )
    parser.add_argument(
        "--now", type=_instant, default=None, help="pin the clock, e.g. 2026-11-20T09:00:00Z"
    )
    parser.add_argument("--token", default=None, help="use this token for the first account")
    parser.add_argument(
        "--latency",
        type=_latency,
        default=(0.0, 0.0),
        metavar="MS|MIN-MAX",
        help="added latency per request, fixed or a range in milliseconds",
    )
    parser.add_argument(
        "--rate-limit", type=_per_second, default=None, metavar="N", help="requests per second"
    )
    parser.add_argument("--retry-after-form", choices=("seconds", "http-date"), default="seconds")
    parser.add_argument("--error-rate", type=_rate, default=0.0, help="fraction answered 502/503")
    parser.add_argument(
        "--drop-rate", type=_rate, default=0.0, help="fraction of connections dropped"
    )
    parser.add_argument(
        "--malformed-rate", type=_rate, default=0.0, help="fraction with truncated JSON"
    )
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draws")
    parser.add_argument(
        "--bug-batch-budget", type=int, default=600, help="most bugs in one GET bugs"
    )
    parser.add_argument(
        "--bug-batch-max-ids", type=int, default=40, help="most test ids in one GET bugs"
    )
    parser.add_argument(
        "--per-page-cap", type=int, default=None, help="cap on per_page (default none)"
    )
    parser.add_argument("--profile", choices=("production", "staging"), default="production")


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """Turn parsed options into a SandboxConfig."""
    faults = Faults(
        latency_ms=args.latency,
        rate_limit_per_s=args.rate_limit,
        retry_after_form=args.retry_after_form,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        malformed_rate=args.malformed_rate,
        fault_seed=args.fault_seed,
    )
    return SandboxConfig(
        seed=args.seed,
        size=args.size,
        now=args.now,
        token=args.token,
        faults=faults,
        bug_batch_budget=args.bug_batch_budget,
        bug_batch_max_ids=args.bug_batch_max_ids,
        per_page_cap=args.per_page_cap,
        profile=args.profile,
    )


def run(args: argparse.Namespace) -> int:
    """Serve the sandbox described by parsed options until interrupted."""
    sandbox = Sandbox(config_from_args(args))
    base = f"http://{args.host}:{args.port}"
    print(f"TestIO sandbox (seed {args.seed}, size {args.size}, profile {args.profile})")
    print(f"  API:    {base}/customer/v2")
    print(f"  Admin:  {base}/_admin  (counters, faults, ground-truth, now)")
    print(
        f"  Now:    {utc_stamp(sandbox.now()) if args.now else 'the real clock'} (data anchor {utc_stamp(sandbox.anchor)})"
    )
    for index, token in enumerate(sandbox.tokens):
        print(f"  Token for account {index}: {token}")
    print(f"Try: curl -H 'Authorization: Token {sandbox.tokens[0]}' {base}/customer/v2/products")
    sys.stdout.flush()
    config = uvicorn_config(
        create_app(sandbox), host=args.host, port=args.port, log_level="info", human=True
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after shutting down
        uvicorn.Server(config).run()
    return 0


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `sandbox` subcommand on an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox", help="serve a simulated TestIO Customer API", description=DESCRIPTION
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def main_sandbox(argv: list[str] | None = None) -> int:
    """Run `testio sandbox` with these arguments."""
    parser = argparse.ArgumentParser(prog="testio sandbox", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))
