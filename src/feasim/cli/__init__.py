"""The ``feasim`` command line: a thin layer that parses, calls and prints.

One module per command (``feasim.cli.run``, ``feasim.cli.sweep``, ...), each with
``add_parser(add)`` and ``run(args) -> exit code``; they share argument types and
exit codes (``_common``) and one table formatter (:mod:`feasim._table`, which
``feasim run``'s tables use too).

Exit codes: 0 success; 2 bad input or usage (no traceback unless ``--debug``);
1 anything else.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from .. import __version__
from ..errors import FeasimError
from . import (
    breakeven,
    compare,
    discover,
    explore,
    frontier,
    metrics,
    report,
    run,
    schema,
    sensitivity,
    simulate,
    sweep,
    validate,
)
from ._common import EXIT_ERROR, EXIT_INPUT, EXIT_OK, UsageError

__all__ = ["main", "build_parser", "UsageError", "EXIT_OK", "EXIT_ERROR", "EXIT_INPUT"]

_EPILOG = """\
exit codes: 0 success, 2 bad input or usage, 1 anything else.
units: km, hours, days, persons (troops). See 'feasim metrics' for every output.
"""

# in the order 'feasim --help' lists them
_MODULES: tuple[ModuleType, ...] = (validate, run, simulate, sweep, sensitivity, frontier,
                                    breakeven, discover, report, compare, explore,
                                    schema, metrics)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[Any], int]]]:
    """The parser of every command, and each command's function by name."""
    parser = argparse.ArgumentParser(
        prog="feasim",
        description="Deployment feasibility simulation: write a claim as a scenario "
                    "file and see, with uncertainty, what it buys.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"feasim {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = argparse.ArgumentParser(add_help=False)  # --debug also after the command
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on errors")
    commands: dict[str, Callable[[Any], int]] = {}
    for module in _MODULES:
        def add(name: str, module: ModuleType = module, **kw: Any) -> argparse.ArgumentParser:
            commands[name] = module.run
            return sub.add_parser(name, parents=[common], **kw)
        module.add_parser(add)
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    try:
        return commands[args.command](args)
    except FeasimError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # e.g. piped into 'head'
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} "
              f"(run with --debug for a traceback; please report it)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
