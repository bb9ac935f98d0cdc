"""`python -m sandbox.git serve --port P --state-dir D`: see server.py."""

import sys

from sandbox.git.server import main

if __name__ == "__main__":
    sys.exit(main())
