"""The ``wijkteam`` command line. Each subcommand lives in ``wijkteam_stats.commands.<name>``.

A command module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``; the parser
and the registry of subcommands live in :mod:`wijkteam_stats.commands`.
"""

from __future__ import annotations

import sys

from wijkteam_stats.commands import COMMANDS, available_commands, build_parser, main

__all__ = ["COMMANDS", "available_commands", "build_parser", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
