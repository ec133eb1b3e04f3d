"""The accounting stage."""
