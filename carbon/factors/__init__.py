"""The factors stage."""
