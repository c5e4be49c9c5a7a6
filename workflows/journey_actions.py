"""Staff actions on a journey: every Update handler with its validator, and what each records.

A mixin of ParticipantJourneyWorkflow. Handlers change the journey state and record
events; they never wait, so the stage methods in journey.py decide what happens next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from itc.models.enums import (
        AeCategory,
        DecisionKind,
        EventType,
        Milestone,
        Recipient,
        ResponseCategory,
        ScanKind,
        Stage,
    )
    from itc.models.inputs import (
        ActionAccepted,
        RecordAdverseEventInput,
        RecordBiopsyCollectedInput,
        RecordDeathInput,
        RecordEligibilityAssessmentInput,
        RecordInfusionAdministeredInput,
        RecordLabResultsInput,
        RecordManufacturingMilestoneInput,
        RecordScanResultInput,
        RecordSupervisorDecisionInput,
        RecordWithdrawalInput,
    )
    from itc.models.state import (
        AdverseEventRecord,
        BiopsyAttempt,
        MilestoneRecord,
        SaeClock,
        ScanRecord,
        ToxicityCheck,
    )
    from itc.rules import ctcae, dlt, recist
    from itc.rules.dose import plan_dose, product_sufficient
    from itc.rules.lab_catalogue import (
        HAEMATOLOGICAL_LABS,
    )
    from itc.rules.release import release_failures
    from workflows import journey_validators as validators
    from workflows.journey_facts import (
        nadir_sum_mm,
        next_milestone,
        pending_infusion,
    )
    from workflows.journey_recording import JourneyRecording


class JourneyStaffActions(JourneyRecording):
    # ------------------------------------------------------------------ staff actions (Updates)

    @workflow.update
    def record_lab_results(self, inp: RecordLabResultsInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        grades: dict[str, int] = {}
        for result in inp.results:
            current = self.s.labs.get(result.code.value)
            if inp.corrects_sequence is not None or current is None or result.collected_at >= current.collected_at:
                self.s.labs[result.code.value] = result
            if result.code in ctcae.GRADED_LABS and result.value is not None:
                grades[result.code.value] = ctcae.grade_lab(
                    result.code,
                    result.value,
                    self.s.protocol.reference_ranges,
                    result.upper_limit_normal,
                    result.lower_limit_normal,
                )
        seq = self._emit(
            EventType.LAB_RESULTS_RECORDED,
            {"results": [r.model_dump(mode="json") for r in inp.results], "ctcae_grades": grades},
            action=inp,
            occurred_at=max(r.collected_at for r in inp.results),
            summary="Lab results: " + ", ".join(r.code.value for r in inp.results),
        )
        self._track_haematological_labs(inp, grades)
        self._complete_toxicity_checks(inp)
        return self._accepted(inp, seq, "Lab results recorded")

    @record_lab_results.validator
    def _validate_lab_results(self, inp: RecordLabResultsInput) -> None:
        validators.validate_lab_results(self.s, inp, workflow.now())

    @workflow.update
    def record_eligibility_assessment(self, inp: RecordEligibilityAssessmentInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        self.s.eligibility_assessment = inp
        seq = self._emit(
            EventType.ELIGIBILITY_ASSESSMENT_RECORDED,
            inp.model_dump(mode="json", exclude={"actor_id", "request_id", "reason", "corrects_sequence"}),
            action=inp,
            occurred_at=inp.assessed_at,
            summary="Eligibility assessment recorded",
        )
        return self._accepted(inp, seq, "Eligibility assessment recorded")

    @record_eligibility_assessment.validator
    def _validate_eligibility_assessment(self, inp: RecordEligibilityAssessmentInput) -> None:
        validators.validate_eligibility_assessment(self.s, inp, workflow.now())

    @workflow.update
    def record_scan_result(self, inp: RecordScanResultInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        lesions = [recist.Lesion(**lesion.model_dump()) for lesion in inp.target_lesions]
        assessment = None
        if inp.kind is not ScanKind.BASELINE:
            baseline = [recist.Lesion(**lesion.model_dump()) for lesion in self.s.baseline_scan.target_lesions]
            assessment = recist.assess_response(
                baseline,
                nadir_sum_mm(self.s),
                lesions,
                inp.new_lesions,
                inp.unequivocal_non_target_progression,
                self.s.protocol.recist,
            )
        response = ResponseCategory(assessment.response) if assessment else None
        sum_mm = recist.sum_of_diameters(lesions)
        seq = self._emit(
            EventType.SCAN_RECORDED,
            {
                "kind": inp.kind.value,
                "target_lesions": [lesion.model_dump() for lesion in inp.target_lesions],
                "new_lesions": inp.new_lesions,
                "unequivocal_non_target_progression": inp.unequivocal_non_target_progression,
                "sum_mm": sum_mm,
                "recist": assessment.model_dump() if assessment else None,
            },
            action=inp,
            occurred_at=inp.scanned_at,
            summary=f"{inp.kind.value} scan: sum {sum_mm:g} mm" + (f", {response.value}" if response else ""),
        )
        self.s.scans.append(
            ScanRecord(
                sequence=seq,
                kind=inp.kind,
                scanned_at=inp.scanned_at,
                target_lesions=inp.target_lesions,
                sum_mm=sum_mm,
                response=response,
            )
        )
        if inp.kind is ScanKind.RESPONSE:
            self._record_response(response, inp.scanned_at, seq)
        elif inp.kind is ScanKind.CONFIRMATION:
            self._record_confirmation(response, inp.scanned_at, seq)
        elif inp.kind is ScanKind.FOLLOW_UP:
            self._record_follow_up_scan(response, inp.scanned_at, seq)
        return self._accepted(inp, seq, f"Scan recorded{': ' + response.value if response else ''}")

    @record_scan_result.validator
    def _validate_scan_result(self, inp: RecordScanResultInput) -> None:
        validators.validate_scan_result(self.s, inp, workflow.now())

    @workflow.update
    def record_biopsy_collected(self, inp: RecordBiopsyCollectedInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        biopsy = self.s.current_biopsy
        biopsy.sample_id, biopsy.collected_at = inp.sample_id, inp.collected_at
        manufacturing = self.s.protocol.manufacturing
        biopsy.manufacturing_deadline = inp.collected_at + timedelta(days=manufacturing.overall_deadline_days)
        biopsy.milestones = [MilestoneRecord(milestone=Milestone(spec.name)) for spec in manufacturing.milestones]
        self._reschedule_milestones(biopsy, inp.collected_at)
        seq = self._emit(
            EventType.BIOPSY_COLLECTED,
            {
                "attempt": biopsy.attempt,
                "sample_id": inp.sample_id,
                "manufacturing_deadline": biopsy.manufacturing_deadline.isoformat(),
            },
            action=inp,
            occurred_at=inp.collected_at,
            summary=f"Biopsy {biopsy.attempt} collected, sample {inp.sample_id}",
        )
        return self._accepted(inp, seq, f"Biopsy recorded; sample {inp.sample_id} starts the chain of identity")

    @record_biopsy_collected.validator
    def _validate_biopsy_collected(self, inp: RecordBiopsyCollectedInput) -> None:
        validators.validate_biopsy_collected(self.s, inp, workflow.now())

    @workflow.update
    def record_manufacturing_milestone(self, inp: RecordManufacturingMilestoneInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        biopsy = self.s.current_biopsy
        milestone = next_milestone(biopsy)
        milestone.occurred_at, milestone.succeeded = inp.occurred_at, inp.succeeded
        on_time = inp.occurred_at <= milestone.expected_by
        seq = self._emit(
            EventType.MANUFACTURING_MILESTONE_RECORDED,
            {
                "milestone": inp.milestone.value,
                "sample_id": inp.sample_id,
                "succeeded": inp.succeeded,
                "failure_code": inp.failure_code,
                "on_time": on_time,
                "release_qc": inp.release_qc.model_dump() if inp.release_qc else None,
            },
            action=inp,
            occurred_at=inp.occurred_at,
            summary=f"{inp.milestone.value} {'done' if inp.succeeded else 'FAILED'}",
        )
        self._reschedule_milestones(biopsy, inp.occurred_at)
        if not inp.succeeded:
            self._manufacturing_failed(inp.failure_code, seq)
        elif inp.milestone is Milestone.PRODUCT_RELEASE_QC:
            self._release_product(inp, seq)
        return self._accepted(inp, seq, f"{inp.milestone.value} recorded")

    @record_manufacturing_milestone.validator
    def _validate_manufacturing_milestone(self, inp: RecordManufacturingMilestoneInput) -> None:
        validators.validate_manufacturing_milestone(self.s, inp, workflow.now())

    @workflow.update
    def record_infusion_administered(self, inp: RecordInfusionAdministeredInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        infusion = pending_infusion(self.s)
        infusion.administered_at, infusion.cells_administered = inp.administered_at, inp.cells_administered
        plan = self.s.dose_plan
        in_window = infusion.window_start <= inp.administered_at <= infusion.window_end
        dose_in_range = plan.min_cells_per_infusion <= inp.cells_administered <= plan.max_cells_per_infusion
        seq = self._emit(
            EventType.INFUSION_ADMINISTERED,
            {
                "infusion_number": inp.infusion_number,
                "cells_administered": inp.cells_administered,
                "product_sample_id": inp.product_sample_id,
                "in_window": in_window,
                "dose_in_range": dose_in_range,
            },
            action=inp,
            occurred_at=inp.administered_at,
            summary=f"Infusion {inp.infusion_number} given",
        )
        if not in_window:
            self._deviation(
                f"Infusion {inp.infusion_number} given outside its window ({infusion.window_start.date()} to {infusion.window_end.date()})"
            )
        if not dose_in_range:
            self._deviation(
                f"Infusion {inp.infusion_number} dose {inp.cells_administered:.3g} cells outside the planned range {plan.min_cells_per_infusion:.3g}-{plan.max_cells_per_infusion:.3g}"
            )
        cfg = self.s.protocol.infusions
        for day in cfg.toxicity_check_days:
            due = inp.administered_at + timedelta(days=day)
            self.s.toxicity_checks.append(
                ToxicityCheck(
                    infusion_number=inp.infusion_number,
                    day=day,
                    due_at=due,
                    window_end=due + timedelta(days=cfg.toxicity_check_window_days),
                )
            )
        return self._accepted(inp, seq, f"Infusion {inp.infusion_number} recorded")

    @record_infusion_administered.validator
    def _validate_infusion_administered(self, inp: RecordInfusionAdministeredInput) -> None:
        validators.validate_infusion_administered(self.s, inp, workflow.now())

    @workflow.update
    def record_adverse_event(self, inp: RecordAdverseEventInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        grade = self._ae_grade(inp)
        ae = next((a for a in self.s.adverse_events if a.ae_id == inp.ae_id), None) if inp.ae_id else None
        if ae is None:
            ae = AdverseEventRecord(
                ae_id=f"AE-{len(self.s.adverse_events) + 1}",
                term=inp.term,
                category=inp.category,
                grade=grade,
                attribution=inp.attribution,
                serious=inp.serious,
                unexpected=inp.unexpected,
                onset_at=inp.onset_at,
                resolved_at=inp.resolved_at,
                recorded_sequence=self.s.last_sequence + 1,
            )
            self.s.adverse_events.append(ae)
        else:
            ae.term, ae.grade, ae.attribution, ae.resolved_at = inp.term, grade, inp.attribution, inp.resolved_at
            ae.serious, ae.unexpected = ae.serious or inp.serious, ae.unexpected or inp.unexpected
        seq = self._emit(
            EventType.ADVERSE_EVENT_RECORDED,
            {
                "ae_id": ae.ae_id,
                "term": ae.term,
                "category": ae.category.value,
                "grade": grade,
                "attribution": ae.attribution.value,
                "serious": ae.serious,
                "unexpected": ae.unexpected,
                "onset_at": ae.onset_at.isoformat(),
                "resolved_at": ae.resolved_at.isoformat() if ae.resolved_at else None,
                "update": inp.ae_id is not None,
            },
            action=inp,
            occurred_at=inp.resolved_at or inp.onset_at,
            summary=f"{ae.ae_id} {ae.term} grade {grade}" + (" (resolved)" if ae.resolved_at else ""),
        )
        self._check_dlt(ae)
        if ae.serious:
            self._start_sae_clocks(ae, seq)
        return self._accepted(inp, seq, f"{ae.ae_id} recorded, grade {grade}")

    @record_adverse_event.validator
    def _validate_adverse_event(self, inp: RecordAdverseEventInput) -> None:
        validators.validate_adverse_event(self.s, inp, workflow.now())
        if self._ae_grade(inp) == 0:
            raise validators.reject(
                validators.INVALID_VALUE,
                f"The {inp.category.value} findings do not reach grade 1 under ASTCT; nothing to record.",
            )

    @workflow.update
    def record_withdrawal(self, inp: RecordWithdrawalInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        self.s.withdrawn_at = inp.withdrawn_at
        seq = self._emit(
            EventType.WITHDRAWAL_RECORDED,
            {"stage": self.s.stage.value},
            action=inp,
            occurred_at=inp.withdrawn_at,
            summary="Consent withdrawn",
        )
        return self._accepted(
            inp, seq, "Withdrawal recorded; future contact stops and booked appointments are cancelled"
        )

    @record_withdrawal.validator
    def _validate_withdrawal(self, inp: RecordWithdrawalInput) -> None:
        validators.validate_withdrawal(self.s, inp, workflow.now())

    @workflow.update
    def record_death(self, inp: RecordDeathInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        self.s.died_at = inp.died_at
        seq = self._emit(
            EventType.DEATH_RECORDED,
            {"attribution": inp.attribution.value, "stage": self.s.stage.value},
            action=inp,
            occurred_at=inp.died_at,
            summary="Death recorded",
        )
        self._notify(
            Recipient.SAFETY_MONITOR,
            "death",
            "Participant death",
            f"Death recorded for {self.s.participant_id} (attribution {inp.attribution.value}).",
            cause=seq,
            urgent=True,
        )
        return self._accepted(inp, seq, "Death recorded")

    @record_death.validator
    def _validate_death(self, inp: RecordDeathInput) -> None:
        validators.validate_death(self.s, inp, workflow.now())

    @workflow.update
    def record_supervisor_decision(self, inp: RecordSupervisorDecisionInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        seq = self._emit(
            EventType.SUPERVISOR_DECISION_RECORDED,
            {"decision": inp.decision.value, "ae_id": inp.ae_id},
            action=inp,
            summary=f"Supervisor decision: {inp.decision.value}",
        )
        if inp.decision is DecisionKind.OFF_STUDY:
            self.s.off_study_reason = inp.reason
        elif inp.decision is DecisionKind.RE_BIOPSY:
            self.s.awaiting_decision = False
            self._start_biopsy_attempt(
                collect_by=workflow.now() + timedelta(days=self.s.protocol.biopsy.book_within_days_of_eligibility)
            )
        elif inp.decision is DecisionKind.CONTINUE_MANUFACTURING:
            self.s.awaiting_decision = False
        else:
            names = (
                ("sponsor_24h",) if inp.decision is DecisionKind.SAE_REPORTED_TO_SPONSOR else ("susar_7d", "susar_15d")
            )
            for clock in self.s.sae_clocks:
                if clock.ae_id == inp.ae_id and clock.clock in names and clock.open:
                    clock.acknowledged_at = workflow.now()
                    self._report_sae_clock(clock, "acknowledged")
                    self._emit(
                        EventType.SAE_CLOCK_ACKNOWLEDGED,
                        {"ae_id": clock.ae_id, "clock": clock.clock, "on_time": clock.acknowledged_at <= clock.due_at},
                        action=inp,
                        summary=f"SAE clock {clock.clock} for {clock.ae_id} acknowledged",
                    )
        return self._accepted(inp, seq, f"Decision {inp.decision.value} recorded")

    @record_supervisor_decision.validator
    def _validate_supervisor_decision(self, inp: RecordSupervisorDecisionInput) -> None:
        validators.validate_supervisor_decision(self.s, inp, workflow.now())

    def _reschedule_milestones(self, biopsy: BiopsyAttempt, since: datetime) -> None:
        expected = {spec.name: spec.expected_days for spec in self.s.protocol.manufacturing.milestones}
        cursor = since
        for milestone in biopsy.milestones:
            if milestone.occurred_at is None:
                cursor += timedelta(days=expected[milestone.milestone.value])
                milestone.expected_by = cursor

    def _manufacturing_failed(self, failure_code: str, cause: int) -> None:
        biopsy = self.s.current_biopsy
        biopsy.failed, biopsy.failure_code = True, failure_code
        self.s.awaiting_decision = True
        self._emit(
            EventType.MANUFACTURING_FAILED,
            {"attempt": biopsy.attempt, "failure_code": failure_code},
            summary=f"Manufacturing failed: {failure_code}",
        )
        self._escalate(
            Recipient.SUPERVISOR,
            "manufacturing_failed",
            f"Manufacturing failed ({failure_code}) for biopsy attempt {biopsy.attempt}: decide re-biopsy or off-study",
        )

    def _release_product(self, inp: RecordManufacturingMilestoneInput, cause: int) -> None:
        qc = inp.release_qc
        failures = release_failures(
            self.s.protocol.manufacturing.release,
            sterility_negative=qc.sterility_negative,
            mycoplasma_negative=qc.mycoplasma_negative,
            endotoxin_eu_per_ml=qc.endotoxin_eu_per_ml,
            viability_percent=qc.viability_percent,
            cd56_cd3neg_purity_percent=qc.cd56_cd3neg_purity_percent,
        )
        consent = self.s.consent
        plan = plan_dose(consent.height_cm, consent.weight_kg, self.s.protocol.dosing)
        if not product_sufficient(plan, qc.viable_cells_total):
            failures.append(
                f"{qc.viable_cells_total:.3g} viable cells is less than the planned total {plan.total_cells:.3g}"
            )
        self.s.current_biopsy.release_qc = qc
        if failures:
            self._manufacturing_failed("release_qc: " + "; ".join(failures), cause)
            return
        self.s.dose_plan = plan
        self._emit(
            EventType.DOSE_PLANNED,
            plan.model_dump(mode="json"),
            summary=f"Dose plan: {plan.cells_per_infusion:.3g} cells x {plan.infusion_count}",
        )
        self.s.released_at = inp.occurred_at
        self._emit(EventType.PRODUCT_RELEASED, {"sample_id": inp.sample_id}, summary="Product released")
        first = max(inp.occurred_at, workflow.now()) + timedelta(
            days=self.s.protocol.infusions.days_from_release_to_first_infusion
        )
        self._enter(Stage.INFUSION)
        self._plan_infusion(first)

    def _ae_grade(self, inp: RecordAdverseEventInput) -> int:
        if inp.category is AeCategory.CRS:
            c = inp.crs
            return ctcae.grade_crs(
                c.temperature_c,
                c.hypotension,
                c.vasopressors,
                c.oxygen_l_per_min,
                c.oxygen_by_facemask,
                c.positive_pressure_ventilation,
            )
        if inp.category is AeCategory.ICANS:
            i = inp.icans
            return ctcae.grade_icans(i.ice_score, i.unarousable, i.seizure_over_5_minutes)
        return inp.grade

    def _in_dlt_window(self, at: datetime) -> bool:
        first = self.s.first_infusion_at
        if first is None or at < first:
            return False
        return self.s.dlt_window_ends_at is None or at <= self.s.dlt_window_ends_at

    def _check_dlt(self, ae: AdverseEventRecord) -> None:
        if self.s.dlt or not self._in_dlt_window(ae.onset_at):
            return
        related = ae.attribution.at_least_possibly_related
        is_dlt = dlt.is_dlt_event(ae.category.value, ae.grade, related, self.s.protocol.dlt)
        if not is_dlt and ae.category is AeCategory.HAEMATOLOGICAL and ae.grade == 4 and ae.resolved_at is not None:
            is_dlt = dlt.haematological_dlt(ae.onset_at, ae.resolved_at, self.s.protocol.dlt)
        if is_dlt:
            ae.is_dlt = True
            self._record_dlt(f"grade {ae.grade} {ae.term} ({ae.ae_id}, {ae.attribution.value})")

    def _track_haematological_labs(self, inp: RecordLabResultsInput, grades: dict[str, int]) -> None:
        for result in inp.results:
            if result.code not in HAEMATOLOGICAL_LABS or self.s.dlt or not self._in_dlt_window(result.collected_at):
                continue
            if grades.get(result.code.value) == 4:
                since = self.s.haematological_grade4_since.setdefault(result.code.value, result.collected_at)
                if dlt.haematological_dlt(since, result.collected_at, self.s.protocol.dlt):
                    self._record_dlt(f"grade 4 {result.code.value} from {since.date()} to {result.collected_at.date()}")
            else:
                self.s.haematological_grade4_since.pop(result.code.value, None)

    def _start_sae_clocks(self, ae: AdverseEventRecord, cause: int) -> None:
        cfg = self.s.protocol.sae
        now = workflow.now()
        wanted = [("sponsor_24h", timedelta(hours=cfg.sponsor_notification_hours))]
        if ae.unexpected and ae.attribution.at_least_possibly_related:
            if ae.grade >= 4:
                wanted.append(("susar_7d", timedelta(days=cfg.susar_fatal_or_life_threatening_days)))
            else:
                wanted.append(("susar_15d", timedelta(days=cfg.susar_other_days)))
        for name, limit in wanted:
            if any(c.ae_id == ae.ae_id and c.clock.startswith(name[:5]) for c in self.s.sae_clocks):
                continue
            clock = SaeClock(ae_id=ae.ae_id, clock=name, started_at=now, due_at=now + limit)
            self.s.sae_clocks.append(clock)
            self._report_sae_clock(clock, "open")
            seq = self._emit(
                EventType.SAE_CLOCK_STARTED,
                {"ae_id": ae.ae_id, "clock": name, "due_at": clock.due_at.isoformat()},
                summary=f"SAE clock {name} for {ae.ae_id} due {clock.due_at.isoformat()}",
            )
            self._notify(
                Recipient.SUPERVISOR,
                "sae_clock_started",
                f"SAE {ae.ae_id}: {name} report due",
                f"Report {ae.ae_id} ({name}) by {clock.due_at.isoformat()}.",
                cause=seq,
                urgent=True,
            )

    def _complete_toxicity_checks(self, inp: RecordLabResultsInput) -> None:
        window = timedelta(days=self.s.protocol.infusions.toxicity_check_window_days)
        for check in self.s.toxicity_checks:
            if check.completed_at is not None or check.missed:
                continue
            if any(check.due_at - window <= r.collected_at <= check.window_end for r in inp.results):
                check.completed_at = max(r.collected_at for r in inp.results)
                self._emit(
                    EventType.TOXICITY_CHECK_COMPLETED,
                    {"infusion_number": check.infusion_number, "day": check.day},
                    summary=f"Toxicity check day +{check.day} done",
                )

    def _record_response(self, response: ResponseCategory, scanned_at: datetime, cause: int) -> None:
        self.s.response, self.s.response_scan_at = response, scanned_at
        self._emit(
            EventType.RESPONSE_ASSESSED, {"response": response.value}, summary=f"Week-8 response {response.value}"
        )
        if response in (ResponseCategory.CR, ResponseCategory.PR):
            self.s.confirmation_due_at = scanned_at + timedelta(weeks=self.s.protocol.response.confirmation_min_weeks)
        else:
            self.s.confirmed_response = response
        if response is ResponseCategory.PD:
            self._document_progression(scanned_at)

    def _record_confirmation(self, second: ResponseCategory, scanned_at: datetime, cause: int) -> None:
        confirmed = ResponseCategory(recist.confirmed_response(self.s.response.value, second.value, True))
        self.s.confirmed_response = confirmed
        confirmed_type = (
            EventType.RESPONSE_CONFIRMED if confirmed is self.s.response else EventType.RESPONSE_NOT_CONFIRMED
        )
        self._emit(
            confirmed_type,
            {"response": self.s.response.value, "confirmation": second.value, "confirmed_response": confirmed.value},
            summary=f"Confirmed response {confirmed.value}",
        )
        if second is ResponseCategory.PD:
            self._document_progression(scanned_at)

    def _record_follow_up_scan(self, response: ResponseCategory, scanned_at: datetime, cause: int) -> None:
        cycle = self.s.follow_up[-1]
        cycle.assessed_at, cycle.response = scanned_at, response
        self._emit(
            EventType.FOLLOW_UP_ASSESSMENT_RECORDED,
            {"cycle": cycle.cycle, "response": response.value},
            summary=f"Follow-up {cycle.cycle}: {response.value}",
        )
        if not cycle.window_start <= scanned_at <= cycle.window_end:
            self._deviation(
                f"Follow-up assessment {cycle.cycle} done outside its window ({cycle.window_start.date()} to {cycle.window_end.date()})"
            )
        if response is ResponseCategory.PD:
            self._document_progression(scanned_at)

    def _document_progression(self, at: datetime) -> None:
        self.s.progression_at = at
        self._emit(
            EventType.PROGRESSION_DOCUMENTED,
            {"at": at.isoformat()},
            occurred_at=at,
            summary="Progression documented (RECIST PD)",
        )
