"""The journey's activities: thin adapters from Temporal to the event store and services.

Errors that a retry cannot cure become non-retryable ApplicationErrors with a
stable type name, so the workflow can tell "no slot" from "remote refused" and
react (escalate to staff) instead of retrying forever.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import names
from activities.heartbeats import heartbeating
from activities.names import (  # noqa: F401  (re-exported for callers of this module)
    EVENT_REJECTED_BY_STORE,
    EVENT_SEQUENCE_CONFLICT,
    EXTERNAL_SERVICE_REJECTED,
    IDEMPOTENCY_CONFLICT,
    INVALID_EVENT,
    NO_CAPACITY,
    NON_RETRYABLE_ERROR_TYPES,
)
from itc.eventstore.store import EventRejected, EventSequenceConflict, EventStore, InvalidEvent
from itc.models.activity_inputs import (
    AppendEventsInput,
    AppendEventsResult,
    AppointmentBooking,
    BookAppointmentInput,
    CancelAppointmentsInput,
    CancelledAppointments,
    LabOrderReceipt,
    NotificationReceipt,
    OrderLabsInput,
    RecordRefusedSignalInput,
    SendNotificationInput,
)
from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation
from itc.services.errors import ExternalServiceRejected, IdempotencyConflict, NoCapacityError
from itc.services.interfaces import LabService, ManufacturingSlotService, NotificationService, SchedulingService

log = structlog.get_logger(__name__)

# "Not there right now", as opposed to "this request is wrong": the attempt fails and Temporal
# retries the activity with backoff until the database or service is back.
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, no socket, timed out
    asyncpg.PostgresConnectionError,  # includes a connection closed mid-operation
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


@contextmanager
def _log_context(participant_id: str) -> Iterator[None]:
    workflow_id = activity.info().workflow_id if activity.in_activity() else None
    with structlog.contextvars.bound_contextvars(participant_id=participant_id, workflow_id=workflow_id):
        yield


@contextmanager
def _non_retryable_errors() -> Iterator[None]:
    try:
        yield
    except NoCapacityError as err:
        raise ApplicationError(str(err), type=NO_CAPACITY, non_retryable=True) from err
    except IdempotencyConflict as err:
        raise ApplicationError(str(err), type=IDEMPOTENCY_CONFLICT, non_retryable=True) from err
    except ExternalServiceRejected as err:
        raise ApplicationError(
            str(err), {"status_code": err.status_code}, type=EXTERNAL_SERVICE_REJECTED, non_retryable=True
        ) from err
    except EventSequenceConflict as err:
        raise ApplicationError(str(err), type=EVENT_SEQUENCE_CONFLICT, non_retryable=True) from err
    except EventRejected as err:
        raise ApplicationError(
            str(err),
            {"sequence": err.sequence, "sqlstate": err.sqlstate},
            type=EVENT_REJECTED_BY_STORE,
            non_retryable=True,
        ) from err
    except InvalidEvent as err:
        raise ApplicationError(str(err), type=INVALID_EVENT, non_retryable=True) from err


def _next_retry_seconds(info: activity.Info) -> float | None:
    policy = info.retry_policy
    if policy is None:
        return None
    delay = policy.initial_interval.total_seconds() * policy.backoff_coefficient ** (info.attempt - 1)
    ceiling = policy.maximum_interval or policy.initial_interval * 100  # Temporal's default ceiling
    return min(delay, ceiling.total_seconds())


@contextmanager
def _warn_when_unreachable(what: str) -> Iterator[None]:
    """Say plainly, once per failed attempt, that `what` is down and the activity will retry.

    The SDK's own line ("Completing activity as failed" and a traceback) does not tell an
    operator that nothing is lost. IDs come from the bound log context; the error's message
    is left out, since a driver may quote the statement or its parameters.
    """
    try:
        yield
    except UNREACHABLE_ERRORS as err:
        info = activity.info()
        log.warning(
            f"{what} unreachable; the activity will be retried",
            activity_type=info.activity_type,
            attempt=info.attempt,
            error_type=type(err).__name__,
            retry_in_seconds=_next_retry_seconds(info),
        )
        raise


class JourneyActivities:
    def __init__(
        self,
        event_store: EventStore,
        notifications: NotificationService,
        labs: LabService,
        scheduling: SchedulingService,
        slots: ManufacturingSlotService,
    ) -> None:
        self._events = event_store
        self._notifications = notifications
        self._labs = labs
        self._scheduling = scheduling
        self._slots = slots

    @activity.defn(name=names.APPEND_EVENTS)
    async def append_events(self, request: AppendEventsInput) -> AppendEventsResult:
        with (
            _log_context(request.events[0].participant_id),
            _warn_when_unreachable("event store"),
            _non_retryable_errors(),
        ):
            async with heartbeating():
                return await self._events.append(request.events)

    @activity.defn(name=names.SEND_NOTIFICATION)
    async def send_notification(self, request: SendNotificationInput) -> NotificationReceipt:
        with _log_context(request.participant_id), _warn_when_unreachable("service"), _non_retryable_errors():
            return await self._notifications.send(request)

    @activity.defn(name=names.ORDER_LABS)
    async def order_labs(self, request: OrderLabsInput) -> LabOrderReceipt:
        with _log_context(request.participant_id), _warn_when_unreachable("service"), _non_retryable_errors():
            return await self._labs.order(request)

    @activity.defn(name=names.BOOK_APPOINTMENT)
    async def book_appointment(self, request: BookAppointmentInput) -> AppointmentBooking:
        with _log_context(request.participant_id), _warn_when_unreachable("service"), _non_retryable_errors():
            return await self._scheduling.book(request)

    @activity.defn(name=names.CANCEL_APPOINTMENTS)
    async def cancel_appointments(self, request: CancelAppointmentsInput) -> CancelledAppointments:
        with _log_context(request.participant_id), _warn_when_unreachable("service"), _non_retryable_errors():
            return await self._scheduling.cancel_all(request)

    @activity.defn(name=names.RESERVE_MANUFACTURING_SLOT)
    async def reserve_manufacturing_slot(self, request: ReserveSlotInput) -> SlotReservation:
        with _log_context(request.participant_id), _warn_when_unreachable("service"), _non_retryable_errors():
            return await self._slots.reserve_slot(request)

    @activity.defn(name=names.RELEASE_MANUFACTURING_SLOT)
    async def release_manufacturing_slot(self, request: ReleaseSlotInput) -> ReleasedSlot:
        with _log_context(request.participant_id), _warn_when_unreachable("service"), _non_retryable_errors():
            return await self._slots.release_slot(request)

    @activity.defn(name=names.RECORD_REFUSED_SIGNAL)
    async def record_refused_signal(self, request: RecordRefusedSignalInput) -> None:
        with _warn_when_unreachable("event store"), _non_retryable_errors():
            await self._events.record_refused_signal(request)


def activities_for_worker(acts: JourneyActivities) -> list[Callable[..., Awaitable[Any]]]:
    return [
        acts.append_events,
        acts.send_notification,
        acts.order_labs,
        acts.book_appointment,
        acts.cancel_appointments,
        acts.reserve_manufacturing_slot,
        acts.release_manufacturing_slot,
        acts.record_refused_signal,
    ]
