import sys

from xmsim.cli import main

if __name__ == "__main__":  # Dask worker processes re-import this module: they must not run it
    sys.exit(main())
