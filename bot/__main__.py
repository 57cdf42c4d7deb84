"""`python -m bot` is the `strikewatch` command."""

from bot.cli import main

raise SystemExit(main())
