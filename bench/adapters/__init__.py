"""modalbench: adapters."""
