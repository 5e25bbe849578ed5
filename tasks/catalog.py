"""The built-in task provider: every card under ``cards/``, evaluated by its family's class.

Listing reads the TOML cards only; a family module (and with it numpy-heavy metric code)
is imported when a task is built.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bench.data.cards import DatasetCard, load_card
from bench.errors import UsageError
from bench.tasking import Task, TaskInfo

CARDS_DIR = Path(__file__).resolve().parent / "cards"

#: family -> "module:class" of the task family that evaluates its cards.
FAMILY_CLASSES: dict[str, str] = {
    "captioning": "modalbench_tasks.captioning:CaptioningTask",
    "vqa": "modalbench_tasks.vqa:VQATask",
    "retrieval": "modalbench_tasks.retrieval:RetrievalTask",
    "sentiment": "modalbench_tasks.sentiment:SentimentTask",
}


def build_family_task(card: DatasetCard) -> Task:
    """Instantiate the family class that evaluates ``card``."""
    module_name, _, class_name = FAMILY_CLASSES[card.family].partition(":")
    task_class = getattr(importlib.import_module(module_name), class_name)
    task: Task = task_class(card)
    return task


@dataclass
class CardCatalog:
    """A :class:`~bench.tasking.TaskProvider` over a folder of dataset cards."""

    folder: Path
    provider_name: str = "builtin"

    @cached_property
    def cards(self) -> dict[str, DatasetCard]:
        """Cards by task name (each file parsed and validated once)."""
        cards: dict[str, DatasetCard] = {}
        for path in sorted(self.folder.glob("*.toml")):
            card = load_card(path)
            if card.name in cards:
                raise UsageError(f"{path}: task name '{card.name}' is already used by another card")
            cards[card.name] = card
        return cards

    def list_tasks(self) -> list[TaskInfo]:
        """One line per card."""
        return [
            TaskInfo(card.name, card.family, card.size, card.description, self.provider_name)
            for card in self.cards.values()
        ]

    def build(self, name: str) -> Task:
        """The family task for the named card."""
        return build_family_task(self.cards[name])


BUILTIN_TASKS = CardCatalog(CARDS_DIR)
