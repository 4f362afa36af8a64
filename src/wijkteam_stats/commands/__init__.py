"""Subcommands of the ``wijkteam`` CLI, one module each (see :mod:`wijkteam_stats.cli`)."""
