"""``python -m bot``: the same as the ``deskbreak`` command."""

import sys

from bot.cli import main

sys.exit(main())
