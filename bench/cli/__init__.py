"""The ``modalbench`` command line: a thin layer over the Python API."""
