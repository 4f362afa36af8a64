"""Subcommands of the ``wijkteam`` CLI, one module each (see :mod:`wijkteam_stats.cli`): the top layer.

Each module imports the library it drives inside its ``run`` function, so that ``wijkteam --help`` and every
other subcommand start without loading pandas, statsmodels or Jupyter (CLI start-up time).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from wijkteam_stats import __version__

#: subcommand name -> module, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "municipalities": "wijkteam_stats.commands.municipalities",
    "data": "wijkteam_stats.commands.data",
    "clean": "wijkteam_stats.commands.clean",
    "codebook": "wijkteam_stats.commands.codebook",
    "audit": "wijkteam_stats.commands.audit",
    "reconstruct": "wijkteam_stats.commands.reconstruct",
    "reproduce": "wijkteam_stats.commands.reproduce",
    "models": "wijkteam_stats.commands.models",
    "trends": "wijkteam_stats.commands.trends",
    "reports": "wijkteam_stats.commands.reports",
    "site": "wijkteam_stats.commands.site",
    "assess": "wijkteam_stats.commands.assess",
    "pipeline": "wijkteam_stats.commands.pipeline",
}
#: Commands that write into the project's outputs (or data/processed) and so hold the outputs lock while they
#: run; ``reports``, ``site`` and ``pipeline`` take it themselves (with their ``--wait`` option).
LOCKED_COMMANDS = ("data", "clean", "audit", "reconstruct", "reproduce", "models", "trends")


def available_commands() -> dict[str, str]:
    """The subcommands whose module is present in this installation."""
    return {name: mod for name, mod in COMMANDS.items() if importlib.util.find_spec(mod) is not None}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="wijkteam",
        description="wijkteam-stats: clean Movisie survey exports, reproduce the published findings, "
        "model resident involvement against municipality size and publish HTML reports.",
    )
    parser.add_argument("--version", action="version", version=f"wijkteam-stats {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in available_commands().items():
        mod = importlib.import_module(modname)
        p = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``wijkteam`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        if args.command in LOCKED_COMMANDS:
            from wijkteam_stats.batch.lock import outputs_lock
            from wijkteam_stats.reference import paths

            with outputs_lock(paths.OUTPUTS, command=f"wijkteam {args.command}",
                              say=lambda msg: print(msg, file=sys.stderr)):
                return int(args._run(args) or 0)
        return int(args._run(args) or 0)
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130
    except ValueError as err:
        # a file the project wrote cannot be read back (the message names it); imported here: start-up time
        from wijkteam_stats.reference.writers import CorruptFileError

        if not isinstance(err, CorruptFileError):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # read-only folder, full disk, missing input: the message names the file
        print(f"error: {err}", file=sys.stderr)
        return 1

