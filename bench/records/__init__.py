"""modalbench: records."""
