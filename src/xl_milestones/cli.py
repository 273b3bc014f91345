"""The ``xl-milestones`` command line: parses arguments, calls the use cases, prints results.

Every command returns an exit code: 0 done, 1 done with validation errors, 2 unreadable file or
bad usage. Errors from the package become one line on stderr, never a traceback (set
``XL_MILESTONES_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from xl_milestones import __version__
from xl_milestones.collector import collector_paused
from xl_milestones.errors import UsageError, XlMilestonesError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_FAILURE = 2
# The commands that read, validate and compute one workbook run with the cyclic garbage
# collector paused (``collector_paused``): what they build lives until they end. The portfolio
# pauses it per workbook (``app.portfolio.read_book``), not for the whole roll-up.
_ONE_BOOK = frozenset({"validate", "refresh", "demo", "signoff-pack"})


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # the form is right, the day is not
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a day of the calendar ({exc}): give one that is, as YYYY-MM-DD"
            ) from None
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-06-30"
        ) from None


def _path(text: str) -> str:
    """A file or folder argument, refused when empty: ``Path("")`` is the current folder, so
    ``--output ''`` would aim at it (and ``demo ''`` write into it)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path: give the name of a file or folder")
    return text


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with the nearest valid choice suggested for a mistyped one
    (``valdate`` -> validate, ``--format jsn`` -> json), as unknown milestone ids are."""

    def error(self, message: str) -> NoReturn:
        wrong = _INVALID_CHOICE.search(message)
        if wrong is not None:
            from xl_milestones.core.nearest import nearest_id

            choices = [c.strip(" '") for c in wrong.group(2).split(",")]
            guess = nearest_id(wrong.group(1), choices)
            if guess is not None:
                message = f"{message}: did you mean {guess}?"
        super().error(message)


_INVALID_CHOICE = re.compile(r"invalid choice: '?([^'\s]*)'? \(choose from (.*)\)")
_AS_OF_HELP = (
    "the date every status and amount is computed for (default: the Settings sheet's "
    "As Of Date, else today)"
)
_BOOK_HELP = "the workbook (.xlsx or .xlsm)"
_DEMO_AS_OF_HELP = (
    "the as-of date (default: the sample's As Of Date, 2026-06-30); a date before the last "
    "event the sample records (2026-06-29) or after 2075-04-01 (50 years after its earliest "
    "contract date) is refused"
)
_JSON_HELP = "json: one JSON object on one line on stdout and nothing else there"
_FORMAT_HELP = f"text (default): one line per problem and a summary; {_JSON_HELP}"
_REFRESH_FORMAT_HELP = (
    "text (default): a summary (statuses, payments, sign-offs, what changed) and the errors "
    f"found; {_JSON_HELP}"
)


def _command(
    commands: argparse._SubParsersAction[_Parser], name: str, summary: str, details: str
) -> _Parser:
    return commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=details,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="xl-milestones",
        description="Contract milestone status, payment due and sign-off readiness for Excel.",
        epilog="Run `xl-milestones COMMAND --help` for a command's options and exit codes.",
    )
    parser.add_argument("--version", action="version", version=f"xl-milestones {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _command(
        commands,
        "validate",
        "check a workbook against the milestone schema",
        "Lists every problem with its cell, a stable code and what to do; the file is only\n"
        "read. Every code: docs/validation.md.\n\n"
        "exit codes: 0 no errors (warnings allowed), 1 errors found,\n"
        "            2 the file cannot be read or the command is misused",
    )
    p.add_argument("book", type=_path, metavar="BOOK", help=_BOOK_HELP)
    p.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the as-of date of the checks, as refresh --as-of gives it (an Actual Date or "
        "Decision Date after it is an error, an Invoice or Paid Date after it a warning; "
        "default: the Settings sheet's As Of Date, else today)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.set_defaults(handler=_validate)

    p = _command(
        commands,
        "refresh",
        "validate, compute and write every result",
        "Writes the result columns of Milestones, the output sheets and the Dashboard.\n"
        "In place, the previous file is kept beside it as BOOK.bak (e.g. book.xlsm.bak,\n"
        "replaced at each refresh); with --output the input is never touched, and an OUT\n"
        "that is BOOK itself (or a link to it) is refused. A workbook open in Excel is not\n"
        "refreshed in place: close it or use --output.\n\n"
        "exit codes: 0 done, 1 done but with validation errors (those milestones are left\n"
        "            blank), 2 the file cannot be read or written, or the command is misused",
    )
    p.add_argument("book", type=_path, metavar="BOOK", help=_BOOK_HELP)
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help=_AS_OF_HELP)
    p.add_argument(
        "--output",
        type=_path,
        metavar="OUT",
        help="write the refreshed workbook to OUT (.xlsm or .xlsx, as the workbook calls for) "
        "instead of in place",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help=_REFRESH_FORMAT_HELP)
    p.set_defaults(handler=_refresh)

    p = _command(
        commands,
        "demo",
        "refresh a copy of the sample workbook and summarise it",
        "Writes the sample workbook (twelve contracts, 82 milestones, As Of Date 2026-06-30)\n"
        "into DIR as sample_contract_milestones.xlsm, refreshes it and prints what a finance\n"
        "user looks at first. A file of that name already in DIR (an earlier demo copy or\n"
        "any other) is kept beside it as sample_contract_milestones.xlsm.bak.\n\n"
        "exit codes: 0 done, 2 DIR cannot be written or the as-of date cannot be served",
    )
    p.add_argument(
        "dir",
        type=_path,
        nargs="?",
        metavar="DIR",
        default="xl-milestones-demo",
        help="the folder to write the sample into (default: ./xl-milestones-demo)",
    )
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help=_DEMO_AS_OF_HELP)
    p.set_defaults(handler=_demo)

    p = _command(
        commands,
        "new",
        "write a blank workbook template",
        "Writes a blank copy of the workbook template: PATH.xlsm is the desktop edition\n"
        "(ribbon and macros), PATH.xlsx the xlwings Lite edition (Excel on the web, Mac and\n"
        "Windows, no macros). The file is written beside PATH and moved into place only\n"
        "when complete.\n\n"
        "exit codes: 0 written, 2 not written (the name, folder or an existing file)",
    )
    p.add_argument(
        "path",
        type=_path,
        metavar="PATH",
        help="the new workbook: a name ending in .xlsm (desktop) or .xlsx (xlwings Lite), in a "
        "folder that exists",
    )
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.add_argument(
        "--lite-package",
        metavar="SOURCE",
        help="the package the Lite edition installs, e.g. the URL of a wheel your company hosts "
        "(default: xl-milestones from PyPI, at this version)",
    )
    p.set_defaults(handler=_new)

    p = _command(
        commands,
        "signoff-pack",
        "write the sign-off pack for the review meeting",
        "Without --milestone the pack covers every milestone awaiting sign-off, the ready\n"
        "ones first. The workbook is only read: a FILE that is the workbook is refused.\n\n"
        "exit codes: 0 written (or nothing is awaiting sign-off: no file), 1 the same but\n"
        "            the workbook has validation errors (milestones may be left out), 2 a\n"
        "            blank or unknown milestone, an unreadable workbook or an output that\n"
        "            cannot be written",
    )
    p.add_argument("book", type=_path, metavar="BOOK", help=_BOOK_HELP)
    p.add_argument(
        "--milestone",
        action="append",
        metavar="ID",
        help="a milestone to include, in any status (repeatable; in the order given)",
    )
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help=_AS_OF_HELP)
    p.add_argument(
        "--output",
        type=_path,
        required=True,
        metavar="FILE",
        help="the file to write: FILE.pdf, or FILE.html for one self-contained printable page",
    )
    p.set_defaults(handler=_signoff_pack)

    p = _command(
        commands,
        "portfolio",
        "roll every workbook of a folder up into one portfolio workbook",
        "exit codes: 0 every file read without errors, 1 some could not be read or have\n"
        "            validation errors, 2 none could be read (nothing is written) or the\n"
        "            command is misused",
    )
    p.add_argument(
        "paths", type=_path, nargs="+", metavar="PATH", help="workbooks, or folders to search"
    )
    p.add_argument(
        "--output",
        type=_path,
        required=True,
        metavar="PORTFOLIO.xlsx",
        help="the .xlsx to write (never one of the workbooks read)",
    )
    p.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="the as-of date")
    p.add_argument("--currency", metavar="CCY", help="the reporting currency (ISO code)")
    p.add_argument(
        "--fx-rates", type=_path, metavar="BOOK", help="a workbook whose FX Rates to use"
    )
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: cores)")
    p.add_argument(
        "--parquet", type=_path, metavar="DIR", help="also write each table as Parquet here"
    )
    p.add_argument("--dask", metavar="ADDRESS", help="read on this Dask cluster's workers")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): a summary; json: one JSON object on one line on stdout",
    )
    p.set_defaults(handler=_portfolio)
    return parser


# Each handler imports its use case lazily, so `xl-milestones --help` stays fast.


def _validate(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.validate_command(args.book, as_of=args.as_of, fmt=args.format)


def _refresh(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.refresh_command(args.book, as_of=args.as_of, output=args.output, fmt=args.format)


def _demo(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.demo_command(args.dir, as_of=args.as_of)


def _new(args: argparse.Namespace) -> int:
    from xl_milestones import actions

    return actions.new_command(args.path, force=args.force, lite_package=args.lite_package)


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
    """The ``xl-milestones`` program: ``main``, its output flushed, then the exit code."""
    from xl_milestones.output import discard_stdout

    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head -1`): the work is done all the same
        discard_stdout()
    except (OSError, ValueError):  # stdout cannot take the output (a full disk...)
        code = code or EXIT_FAILURE
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or EXIT_FAILURE
    sys.exit(code)


def _refuse_unknown(
    parser: argparse.ArgumentParser, command: str | None, unknown: list[str]
) -> None:
    """Refuse arguments no option takes, with the command's own usage (argparse gives the
    program's, which shows none of the command's options) and the nearest option to a
    mistyped one (``--ouput``: did you mean --output?)."""
    from xl_milestones.core.nearest import nearest_id

    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    owner = commands.choices.get(command, parser) if command else parser
    message = f"unrecognized arguments: {' '.join(unknown)}"
    options = [o for a in owner._actions for o in a.option_strings]
    wrong = next((u.split("=")[0] for u in unknown if u.startswith("--")), None)
    guess = nearest_id(wrong, options) if wrong else None
    owner.error(f"{message}: did you mean {guess}?" if guess else message)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            _refuse_unknown(parser, args.command, unknown)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_FAILURE
    try:
        with collector_paused() if args.command in _ONE_BOOK else contextlib.nullcontext():
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
