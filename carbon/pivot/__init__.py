"""The pivot stage."""
