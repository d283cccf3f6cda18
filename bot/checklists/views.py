"""A checklist run with its item rows, as services, renderers and deliveries read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChecklistItemState, ChecklistRun
from storage.repositories import checklists as repo
from storage.repositories.checklists import DONE, NA, OPEN


@dataclass(frozen=True)
class RunView:
    run: ChecklistRun
    states: list[ChecklistItemState]

    @property
    def finished(self) -> int:
        return sum(1 for s in self.states if s.state in (DONE, NA))

    def missing(self) -> list[int]:
        return [s.item_index for s in self.states if s.state == OPEN]


async def load_views(session: AsyncSession, runs: Sequence[ChecklistRun]) -> list[RunView]:
    """Views of several runs: their item rows in one query."""
    states = await repo.item_states([run.id for run in runs], session=session)
    return [RunView(run, states.get(run.id, [])) for run in runs]


async def load_view(session: AsyncSession, run_id: int) -> RunView | None:
    run = await repo.get_run(run_id, session=session)
    return None if run is None else (await load_views(session, [run]))[0]
