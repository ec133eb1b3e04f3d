"""The quality stage."""
