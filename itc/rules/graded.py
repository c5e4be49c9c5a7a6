"""A grade together with the clause of the standard that produced it.

Staff and monitors must be able to check a grade against the standard without
redoing the arithmetic, so every grading rule says which clause it applied
("G2: 3.4 × baseline"), not only the number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Graded:
    grade: int
    clause: str

    def __post_init__(self) -> None:
        if not 0 <= self.grade <= 5:
            raise ValueError(f"grade must be 0-5, got {self.grade}")

    @property
    def label(self) -> str:
        """The grade with its clause, as shown to staff."""
        return f"G{self.grade}: {self.clause}"
