"""The ``xl-milestones`` command line: parses arguments, calls the use cases, prints results.

Every command returns an exit code: 0 done, 1 done with validation errors, 2 unreadable file or
bad usage. Errors from the package become one line on stderr, never a traceback (set
``XL_MILESTONES_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from xl_milestones import __version__
from xl_milestones.errors import UsageError, XlMilestonesError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_FAILURE = 2


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xl-milestones",
        description="Contract milestone status, payment due and sign-off readiness for Excel.",
    )
    parser.add_argument("--version", action="version", version=f"xl-milestones {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("validate", help="check a workbook against the milestone schema")
    p.add_argument("book", help="the workbook (.xlsx or .xlsm)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_validate)

    p = commands.add_parser("refresh", help="validate, compute and write every result")
    p.add_argument("book", help="the workbook (.xlsx or .xlsm)")
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="the as-of date")
    p.add_argument("--output", metavar="OUT", help="write here instead of in place")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_refresh)

    p = commands.add_parser("demo", help="refresh a copy of the sample workbook and summarise it")
    p.add_argument("dir", nargs="?", default="xl-milestones-demo", help="where to put the copy")
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="the as-of date")
    p.set_defaults(handler=_demo)

    p = commands.add_parser("new", help="write a blank workbook template")
    p.add_argument("path", help="the new workbook (.xlsm)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.set_defaults(handler=_new)

    p = commands.add_parser("signoff-pack", help="write the sign-off pack for the review meeting")
    p.add_argument("book", help="the workbook (.xlsx or .xlsm)")
    p.add_argument("--milestone", action="append", metavar="ID", help="a milestone (repeatable)")
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="the as-of date")
    p.add_argument("--output", required=True, metavar="FILE", help="the .pdf or .html to write")
    p.set_defaults(handler=_signoff_pack)

    p = commands.add_parser(
        "portfolio", help="roll every workbook of a folder up into one portfolio workbook"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="workbooks, or folders to search")
    p.add_argument("--output", required=True, metavar="PORTFOLIO.xlsx", help="the .xlsx to write")
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="the as-of date")
    p.add_argument("--currency", metavar="CCY", help="the reporting currency (ISO code)")
    p.add_argument("--fx-rates", metavar="BOOK", help="a workbook whose FX Rates to use")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: cores)")
    p.add_argument("--parquet", metavar="DIR", help="also write each table as Parquet here")
    p.add_argument("--dask", metavar="ADDRESS", help="read on this Dask cluster's workers")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_portfolio)
    return parser


# Each handler imports its use case lazily, so `xl-milestones --help` stays fast.


def _validate(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.validate_command(args.book, fmt=args.format)


def _refresh(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.refresh_command(args.book, as_of=args.as_of, output=args.output, fmt=args.format)


def _demo(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.demo_command(args.dir, as_of=args.as_of)


def _new(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.new_command(args.path, force=args.force)


def _signoff_pack(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.signoff_pack_command(
        args.book, milestones=args.milestone, as_of=args.as_of, output=args.output
    )


def _portfolio(args: argparse.Namespace) -> int:
    from xl_milestones.app import portfolio

    return portfolio.portfolio_command(
        args.paths,
        output=args.output,
        as_of=args.as_of,
        currency=args.currency,
        fx_rates=args.fx_rates,
        jobs=args.jobs,
        parquet=args.parquet,
        dask=args.dask,
        fmt=args.format,
    )


def run() -> NoReturn:
    """The ``xl-milestones`` program: ``main``, then the process ends at once, without freeing
    one by one what the command built (``actions.held_until_exit``); output is flushed first."""
    # numpy (the reader's extent check) would start an idle BLAS thread that nothing here uses;
    # without it the process is single-threaded when the writer forks (``io.forked``).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from xl_milestones import actions

    actions.held_until_exit = []
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # the reader of a pipe went away: as Python's own exit does
        code = code or EXIT_FAILURE
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_FAILURE
    try:
        return handler(args)
    except UsageError as exc:
        print(f"xl-milestones: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except XlMilestonesError as exc:
        print(f"xl-milestones: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("xl-milestones: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("XL_MILESTONES_DEBUG"):
            traceback.print_exc()
        print(
            f"xl-milestones: internal error: {type(exc).__name__}: {exc} "
            "(set XL_MILESTONES_DEBUG=1 for details and please report it)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
