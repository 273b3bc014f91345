"""The ``xl-milestones`` command line: parses arguments, calls the use cases, prints results."""

from __future__ import annotations

import argparse
import sys

from xl_milestones import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xl-milestones",
        description="Contract milestone status, payment due and sign-off readiness for Excel.",
    )
    parser.add_argument("--version", action="version", version=f"xl-milestones {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 0
