"""``python -m mlp``: the command line of ``mlp.cli``."""

from mlp.cli import main

raise SystemExit(main())
