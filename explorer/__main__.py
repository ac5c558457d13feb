"""``python -m explorer``: the command line."""

from .cli import main

raise SystemExit(main())
