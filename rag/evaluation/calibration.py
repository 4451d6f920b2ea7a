"""Refusal calibration: refusal precision, recall and F1 over a sweep of thresholds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from rag.evaluation.metrics import f1, refusal_precision, refusal_recall

CALIBRATION_RANGE = (0.20, 0.70)  # widened to cover every recorded confidence (calibration_grid)
CALIBRATION_STEP = 0.01
CALIBRATION_MIN_PRECISION = 0.8


# --- calibration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationPoint:
    """Refusal quality if the answerer refused iff confidence is None or below ``threshold``."""

    threshold: float
    refusal_precision: float | None
    refusal_recall: float | None
    f1: float | None
    refused: int
    answerable_refused: int


def refused_at(confidence: float | None, threshold: float) -> bool:
    """The answerer's rule (settings.refusal_min_score)."""
    return confidence is None or confidence < threshold


def calibration_grid(confidences: Iterable[float | None]) -> list[float]:
    """Thresholds CALIBRATION_RANGE by CALIBRATION_STEP, widened so that every recorded confidence lies
    inside (and one step beyond the largest, where everything is refused)."""
    known = [math.floor(c / CALIBRATION_STEP) * CALIBRATION_STEP for c in confidences if c is not None]
    low = min([CALIBRATION_RANGE[0], *known])
    high = max([CALIBRATION_RANGE[1], *(c + CALIBRATION_STEP for c in known)])
    return [round(low + CALIBRATION_STEP * i, 2) for i in range(round((high - low) / CALIBRATION_STEP) + 1)]


def sweep(confidences: Sequence[float | None], answerable: Sequence[bool],
          thresholds: Sequence[float] | None = None) -> list[CalibrationPoint]:
    """Refusal precision, recall and F1 for each threshold, from the recorded confidences."""
    points = []
    for t in thresholds if thresholds is not None else calibration_grid(confidences):
        refused = [refused_at(c, t) for c in confidences]
        p, r = refusal_precision(refused, answerable), refusal_recall(refused, answerable)
        points.append(CalibrationPoint(t, p, r, f1(p, r), sum(refused),
                                       sum(x and a for x, a in zip(refused, answerable))))
    return points


def recommend(points: Sequence[CalibrationPoint], min_precision: float = CALIBRATION_MIN_PRECISION
              ) -> CalibrationPoint | None:
    """The threshold with the best refusal F1 among those with precision ≥ ``min_precision``; ties go to
    the lower threshold (fewer refusals). None when no threshold reaches that precision."""
    eligible = [p for p in points if p.refusal_precision is not None and p.refusal_precision >= min_precision
                and p.f1 is not None]
    if not eligible:
        return None
    return max(eligible, key=lambda p: (p.f1, -p.threshold))


def plateau(points: Sequence[CalibrationPoint], chosen: CalibrationPoint) -> tuple[float, float]:
    """The run of consecutive thresholds around ``chosen`` that refuse exactly as many questions
    (hence the same questions): any of them is as good, which the tie rule alone would hide."""
    i = next(n for n, p in enumerate(points) if p.threshold == chosen.threshold)
    low = high = i
    while low > 0 and points[low - 1].refused == chosen.refused:
        low -= 1
    while high < len(points) - 1 and points[high + 1].refused == chosen.refused:
        high += 1
    return points[low].threshold, points[high].threshold
