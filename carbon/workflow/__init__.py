"""The workflow stage."""
