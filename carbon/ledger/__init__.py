"""The ledger stage."""
