"""One prediction out of several an id names: a batched record's rows share their
correlation id (and so may every request of a scoring script that sets its own), and a
request id may be logged twice.  The rows are numbered from 1 in log order; the CLI's
``trace --row N`` and the console's chooser take one of them, nothing is taken silently."""

from __future__ import annotations

from collections.abc import Sequence

from providers.errors import Ambiguous, NotFound
from providers.records import Prediction


class SeveralPredictions(Ambiguous):
    """An id or a query named several predictions; ``choices`` holds them, numbered from 1."""

    def __init__(self, what: str, choices: Sequence[Prediction]) -> None:
        self.choices = tuple(choices)
        ids = {p.correlation_id for p in self.choices}
        shared = f" (all with correlation id {next(iter(ids))})" if len(ids) == 1 else ""
        listed = "; ".join(
            f"{n}. {p.correlation_id} at {p.source.native_id}"
            for n, p in enumerate(self.choices, start=1)
        )
        super().__init__(
            f"{what} matches {len(self.choices)} logged predictions{shared}: {listed}",
            hint="choose one: trace it with --row N (N as listed), or pick it in the console",
        )


def pick(rows: Sequence[Prediction], row: int | None, what: str) -> Prediction:
    """The one prediction of ``rows`` (the ``row``-th, from 1, when given); NotFound when
    ``row`` is out of range, :class:`SeveralPredictions` when several match and none is
    chosen."""
    if row is not None:
        if not 1 <= row <= len(rows):
            raise NotFound(
                f"there is no row {row}: {what} matches {len(rows)} logged prediction(s)",
                hint=f"--row takes 1 to {len(rows)}",
            )
        return rows[row - 1]
    if len(rows) > 1:
        raise SeveralPredictions(what, rows)
    return rows[0]
