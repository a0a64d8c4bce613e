"""Entry point of the frozen station: the same CLI as ``itad-station`` / ``python -m app``."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
