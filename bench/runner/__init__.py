"""modalbench: runner."""
