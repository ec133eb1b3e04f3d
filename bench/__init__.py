"""Fleet-scale benchmarks of carbon (``python -m bench``; see bench/README.md)."""
