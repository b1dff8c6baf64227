"""Double-blind reviews: each party rates the other once; both are revealed together."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.errors import InvalidInput

DIMENSIONS = ("quality", "timeliness", "communication")
MAX_COMMENT = 2_000


@dataclass(frozen=True)
class Review:
    author_id: int
    subject_id: int
    quality: int
    timeliness: int
    communication: int
    comment: str
    at: dt.datetime

    def __post_init__(self) -> None:
        for name in DIMENSIONS:
            score = getattr(self, name)
            if type(score) is not int or not 1 <= score <= 5:
                raise InvalidInput(f"{name} is rated from 1 to 5", field=name)
        if len(self.comment) > MAX_COMMENT:
            raise InvalidInput(f"comments are limited to {MAX_COMMENT} characters", field="comment")

    @property
    def average(self) -> float:
        return sum(getattr(self, name) for name in DIMENSIONS) / len(DIMENSIONS)
