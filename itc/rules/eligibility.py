"""Eligibility screening: inclusion and exclusion criteria, naming every failure."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from itc.rules._compare import above, at_most, fmt
from itc.rules._screening_check import ScreeningCheck
from itc.rules.config import EligibilityCriteria


class LabValue(BaseModel):
    model_config = ConfigDict(frozen=True)
    value: float
    collected_on: date
    upper_limit_normal: float | None = None


class ScreeningFacts(BaseModel):
    model_config = ConfigDict(frozen=True)
    sex: str
    age_years: int
    advanced_breast_cancer: bool | None = None
    progressed_on_chemo_or_radiotherapy: bool | None = None
    metastasis_count: int | None = None
    metastasis_site: str | None = None
    metastasis_measurable: bool | None = None
    active_uncontrolled_infection: bool | None = None
    other_unrelated_cancer: bool | None = None
    assessed_on: date | None = None
    creatinine_mg_dl: LabValue | None = None
    spo2_percent: LabValue | None = None
    alt_u_l: LabValue | None = None
    ast_u_l: LabValue | None = None


class FailedCriterion(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    message: str


class EligibilityResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    eligible: bool
    failed: tuple[FailedCriterion, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


def evaluate_eligibility(
    facts: ScreeningFacts,
    evaluated_on: date,
    criteria: EligibilityCriteria,
    alt_default_uln: float,
    ast_default_uln: float,
) -> EligibilityResult:
    """Judge every criterion that has a usable fact; list the rest as missing.

    A definite failure is reported even while other facts are missing, so the
    caller can end a hopeless screen early instead of waiting for more labs.
    """
    check = ScreeningCheck(evaluated_on, criteria.screening_result_max_age_days)
    _demographics(check, facts, criteria)
    if check.usable_assessment(facts.assessed_on):
        _disease(check, facts, criteria)
        _clinical_exclusions(check, facts)
    _lab_exclusions(check, facts, criteria, alt_default_uln, ast_default_uln)
    return EligibilityResult(
        eligible=not check.failed and not check.missing,
        failed=tuple(FailedCriterion(code=code, message=message) for code, message in check.failed),
        missing=tuple(check.missing),
    )


def _demographics(check: ScreeningCheck, facts: ScreeningFacts, c: EligibilityCriteria) -> None:
    if facts.sex.strip().lower() != c.required_sex.strip().lower():
        check.fail("sex", f"Sex is recorded as {facts.sex}; the trial enrols {c.required_sex} participants only.")
    if not c.min_age_years <= facts.age_years <= c.max_age_years:
        check.fail(
            "age",
            f"Age {facts.age_years} years is outside the allowed {c.min_age_years}-{c.max_age_years} years.",
        )


def _require_true(check: ScreeningCheck, value: bool | None, code: str, label: str, message: str) -> None:
    if check.present(value, label) and not value:
        check.fail(code, message)


def _require_false(check: ScreeningCheck, value: bool | None, code: str, label: str, message: str) -> None:
    if check.present(value, label) and value:
        check.fail(code, message)


def _disease(check: ScreeningCheck, facts: ScreeningFacts, c: EligibilityCriteria) -> None:
    _require_true(
        check,
        facts.advanced_breast_cancer,
        "advanced_breast_cancer",
        "advanced breast cancer",
        "The participant does not have advanced breast cancer.",
    )
    _require_true(
        check,
        facts.progressed_on_chemo_or_radiotherapy,
        "progressed_on_prior_therapy",
        "progression on chemotherapy or radiotherapy",
        "The disease has not progressed on chemotherapy or radiotherapy for metastatic disease.",
    )
    if check.present(facts.metastasis_count, "number of metastases") and facts.metastasis_count != 1:
        check.fail(
            "metastasis_count",
            f"{facts.metastasis_count} metastases recorded; exactly one metastasis is required.",
        )
    if check.present(facts.metastasis_site, "metastasis site"):
        site = (facts.metastasis_site or "").strip().lower()
        if site not in {s.lower() for s in c.allowed_metastasis_sites}:
            allowed = ", ".join(c.allowed_metastasis_sites)
            check.fail(
                "metastasis_site",
                f"Metastasis site '{facts.metastasis_site}' is not one of the allowed sites ({allowed}).",
            )
    _require_true(
        check,
        facts.metastasis_measurable,
        "metastasis_measurable",
        "metastasis measurability",
        "The metastasis is not measurable.",
    )


def _clinical_exclusions(check: ScreeningCheck, facts: ScreeningFacts) -> None:
    _require_false(
        check,
        facts.active_uncontrolled_infection,
        "active_uncontrolled_infection",
        "active uncontrolled infection",
        "The participant has an active uncontrolled infection.",
    )
    _require_false(
        check,
        facts.other_unrelated_cancer,
        "other_unrelated_cancer",
        "other unrelated cancer",
        "The participant has another cancer unrelated to the primary breast tumour.",
    )


def _lab_exclusions(
    check: ScreeningCheck, facts: ScreeningFacts, c: EligibilityCriteria, alt_uln: float, ast_uln: float
) -> None:
    creat = facts.creatinine_mg_dl
    if check.usable_lab(creat, "serum creatinine") and creat is not None:
        if above(creat.value, c.max_creatinine_mg_dl):
            check.fail(
                "creatinine",
                f"Serum creatinine {fmt(creat.value)} mg/dL is above the limit of {fmt(c.max_creatinine_mg_dl)} mg/dL.",
            )
    spo2 = facts.spo2_percent
    if check.usable_lab(spo2, "SpO2") and spo2 is not None:
        if at_most(spo2.value, c.min_spo2_percent_exclusive):
            check.fail(
                "spo2",
                f"SpO2 {fmt(spo2.value)}% is at or below {fmt(c.min_spo2_percent_exclusive)}%; "
                f"it must be above {fmt(c.min_spo2_percent_exclusive)}%.",
            )
    _transaminase(check, facts.alt_u_l, "alt", "ALT", alt_uln, c.max_alt_ast_x_uln)
    _transaminase(check, facts.ast_u_l, "ast", "AST", ast_uln, c.max_alt_ast_x_uln)


def _transaminase(
    check: ScreeningCheck, lab: LabValue | None, code: str, name: str, default_uln: float, factor: float
) -> None:
    if not check.usable_lab(lab, name) or lab is None:
        return
    # The reporting lab's own reference range beats the protocol default.
    uln = lab.upper_limit_normal if lab.upper_limit_normal is not None else default_uln
    limit = factor * uln
    if above(lab.value, limit):
        check.fail(
            code,
            f"{name} {fmt(lab.value)} U/L is above {fmt(factor)} x ULN ({fmt(limit)} U/L with ULN {fmt(uln)} U/L).",
        )
