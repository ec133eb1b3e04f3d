"""``python -m carbon``."""

from carbon.cli import main

if __name__ == "__main__":
    main()
