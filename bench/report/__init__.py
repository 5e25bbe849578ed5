"""modalbench: report."""
