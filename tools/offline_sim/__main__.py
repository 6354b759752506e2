"""``python -m tools.offline_sim``: runs :mod:`tools.offline_sim.simulate`."""

import sys

from tools.offline_sim.simulate import main

sys.exit(main())
