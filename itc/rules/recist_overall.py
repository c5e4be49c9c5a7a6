"""RECIST 1.1 overall response at one time point (Eisenhauer et al. 2009, Tables 1 and 2).

The target-lesion response (`itc.rules.recist.assess_response`) is one component; the
non-target lesions' status and whether a new lesion appeared are the others.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class NonTargetStatus(StrEnum):
    """The non-target lesions at one time point, as RECIST 1.1 (section 4.3.2) names them."""

    CR = "CR"  # every non-target lesion gone, every node below 10 mm short axis, tumour markers normal
    NON_CR_NON_PD = "non_CR_non_PD"  # one or more persist, or a marker stays above normal
    PD = "PD"  # unequivocal progression of existing non-target lesions
    NE = "NE"  # not evaluated at this time point


# Table 2 has its own category for disease that is only non-target: it is not called SD.
NON_CR_NON_PD = "non-CR/non-PD"


class OverallResponse(BaseModel):
    model_config = ConfigDict(frozen=True)
    response: str  # CR, PR, SD, PD, NE or non-CR/non-PD (Table 2)
    reason: str


def overall_response(target: str | None, non_target: NonTargetStatus | None, new_lesions: bool) -> OverallResponse:
    """The time-point response from its three components.

    `target` is None when the participant has no target lesions (Table 2); `non_target`
    is None when she had no non-target lesions at baseline, so the target response
    stands alone (Table 1 with the non-target column always "CR").
    """
    if target is None and non_target is None:
        raise ValueError("a time point needs target lesions, non-target lesions or both")
    if target is not None and target not in {"CR", "PR", "SD", "PD", "NE"}:
        raise ValueError(f"target response must be CR, PR, SD, PD or NE, got {target!r}")
    if new_lesions:
        return OverallResponse(response="PD", reason="A new lesion is progression (RECIST 1.1 Tables 1 and 2).")
    if non_target is NonTargetStatus.PD:
        return OverallResponse(
            response="PD", reason="Unequivocal progression of non-target lesions is PD (RECIST 1.1 Tables 1 and 2)."
        )
    if target is None:
        return _non_target_only(non_target)
    return _with_targets(target, non_target)


def _with_targets(target: str, non_target: NonTargetStatus | None) -> OverallResponse:
    if target == "PD":
        return OverallResponse(response="PD", reason="Target lesions progressed (RECIST 1.1 Table 1).")
    if target == "CR" and non_target in (NonTargetStatus.NON_CR_NON_PD, NonTargetStatus.NE):
        state = "persist" if non_target is NonTargetStatus.NON_CR_NON_PD else "were not evaluated"
        return OverallResponse(
            response="PR",
            reason=f"Target lesions are gone but non-target lesions {state}: PR, not CR (RECIST 1.1 Table 1).",
        )
    if target == "NE":
        return OverallResponse(
            response="NE", reason="Not every target lesion was evaluated and nothing shows PD (RECIST 1.1 Table 1)."
        )
    return OverallResponse(
        response=target, reason=f"Target {target} with no non-target progression (RECIST 1.1 Table 1)."
    )


def _non_target_only(non_target: NonTargetStatus | None) -> OverallResponse:
    assert non_target is not None
    if non_target is NonTargetStatus.CR:
        return OverallResponse(response="CR", reason="Every non-target lesion is gone (RECIST 1.1 Table 2).")
    if non_target is NonTargetStatus.NON_CR_NON_PD:
        return OverallResponse(
            response=NON_CR_NON_PD, reason="Non-target lesions persist without progression (RECIST 1.1 Table 2)."
        )
    return OverallResponse(response="NE", reason="Non-target lesions were not evaluated (RECIST 1.1 Table 2).")
