import sys

from xmsim.cli import main

sys.exit(main())
