"""The `testio` command line: arguments, logging, and the dispatch to each command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager

from testio.errors import ConfigError, TestioError
from testio.version import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="testio",
        description="Ask an AI assistant about your TestIO crowdtesting: an MCP server over a "
        "local cache of the TestIO Customer API.",
    )
    parser.add_argument("--version", action="version", version=f"testio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the MCP server over stdio (what AI clients launch), or over HTTP"
    )
    serve.add_argument(
        "--http",
        action="store_true",
        help="serve MCP over streamable HTTP for many clients (bearer tokens: TESTIO_HTTP_TOKENS)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="HTTP port (default 8080)")

    sub.add_parser(
        "worker", help="keep a shared cache fresh: sync every TESTIO_WORKER_INTERVAL seconds"
    )

    sync = sub.add_parser("sync", help="fetch new and changed tests and bugs into the cache")
    sync.add_argument("--full", action="store_true", help="re-read every page, not just new ones")
    sync.add_argument(
        "--product",
        type=int,
        action="append",
        dest="products",
        metavar="ID",
        help="only this product (repeatable)",
    )

    report = sub.add_parser("report", help="print the EBR report of one or several products")
    report.add_argument(
        "--product",
        type=int,
        action="append",
        dest="products",
        required=True,
        metavar="ID",
        help="the product (repeat it for a multi-product report)",
    )
    report.add_argument(
        "--from", dest="start", metavar="DATE", help="YYYY-MM-DD or a phrase such as 'last quarter'"
    )
    report.add_argument("--to", dest="end", metavar="DATE")
    report.add_argument(
        "--status",
        action="append",
        dest="statuses",
        metavar="STATUS",
        help="test status in scope (repeatable)",
    )
    report.add_argument(
        "--format",
        choices=["table", "md", "json", "csv", "html"],
        help="default: table, or with --out the file name's extension (else json)",
    )
    report.add_argument(
        "--out",
        metavar="FILE",
        help="write the full report to FILE inside the reports directory (owner-only)",
    )

    audit = sub.add_parser("triage-log", help="print the audit log of triage writes")
    audit.add_argument("--limit", type=int, default=50, metavar="N")
    audit.add_argument("--bug", type=int, dest="bug_id", metavar="ID", help="only this bug")
    audit.add_argument("--product", type=int, dest="product_id", metavar="ID")
    audit.add_argument("--format", choices=["table", "json"], default="table")

    demo = sub.add_parser(
        "demo", help="run everything against the built-in sandbox, no account needed"
    )
    demo.add_argument("--size", choices=["small", "medium", "large"], default="medium")
    demo.add_argument("--seed", type=int, default=1)

    sub.add_parser(
        "sandbox",
        help="serve the local TestIO API simulator (see `testio sandbox -h`)",
        add_help=False,
    )
    return parser


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@contextmanager
def _imports_without_gc() -> Generator[None]:
    """Import with the cyclic garbage collector off, then freeze what was imported.

    Importing the MCP SDK builds hundreds of pydantic models; collections triggered during
    that only rescan objects that live as long as the process (about 15% of `serve`
    start-up). `gc.freeze()` then moves them to the permanent generation, so later
    collections skip them too.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["sandbox"]:
        from testio.sandbox.cli import main_sandbox

        return main_sandbox(args_list[1:])
    args = _parser().parse_args(args_list)
    try:
        from testio.config import Settings

        if args.command == "serve":
            settings = Settings.from_env()
            logging.basicConfig(
                stream=sys.stderr,
                level=logging.DEBUG
                if args.verbose
                else getattr(logging, settings.log_level.upper(), logging.INFO),
                format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            )
            if args.http:
                from testio.server.http import client_tokens
                from testio.server.http import run as run_http

                client_tokens(settings)  # refuse to start without valid client tokens
                run_http(settings, host=args.host, port=args.port)
                return 0
            with _imports_without_gc():
                from testio.server.stdio import run

            run(settings)
            return 0
        _logging(args.verbose)
        if args.command == "sync":
            from testio.cli.sync import run_sync

            return asyncio.run(
                run_sync(
                    Settings.from_env(), full=args.full, product_ids=args.products, out=sys.stdout
                )
            )
        if args.command == "worker":
            from testio.cli.worker import run_worker

            settings = Settings.from_env()
            logging.getLogger("testio.worker").setLevel(logging.INFO)
            return asyncio.run(run_worker(settings))
        if args.command == "report":
            from testio.cli.report import run_report

            return asyncio.run(
                run_report(
                    Settings.from_env(),
                    product_ids=args.products,
                    start=args.start,
                    end=args.end,
                    statuses=args.statuses,
                    fmt=args.format,
                    out=sys.stdout,
                    out_file=args.out,
                )
            )
        if args.command == "triage-log":
            from testio.cli.triage_log import run_triage_log

            return asyncio.run(
                run_triage_log(
                    Settings.from_env(),
                    limit=max(1, args.limit),
                    bug_id=args.bug_id,
                    product_id=args.product_id,
                    fmt=args.format,
                    out=sys.stdout,
                )
            )
        if args.command == "demo":
            from testio.cli.demo import run_demo

            return asyncio.run(run_demo(size=args.size, seed=args.seed, out=sys.stdout))
    except ConfigError as exc:
        print(f"testio: {exc}", file=sys.stderr)
        return 1
    except TestioError as exc:
        print(f"testio: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("testio: interrupted", file=sys.stderr)
        return 130
    _parser().print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
