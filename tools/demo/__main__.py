"""``python -m tools.demo``: found or resume the demo network, then serve it (``make run``)."""

import sys

from tools.demo.story import main

sys.exit(main())
