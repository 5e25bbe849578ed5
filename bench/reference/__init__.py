"""modalbench: reference."""
