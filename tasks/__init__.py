"""modalbench's built-in task plugins: one module per task family, plus dataset cards.

Installed as ``modalbench_tasks`` (never ``tasks``, which would clash with a user's own
module). The ``cards/`` folder holds the dataset cards, which are data, not code.
"""
