"""``python -m carbon``."""

from carbon.cli import main

main()
