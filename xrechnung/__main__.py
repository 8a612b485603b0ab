import sys

from xrechnung.cli import main

sys.exit(main())
