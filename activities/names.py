"""Activity names and the error types services refuse with.

The workflows call activities by method (`execute_activity_method`); the names are what the
definitions register under (and what committed histories record), so mocks that stand in for
an activity register the same name.
"""

APPEND_EVENTS = "append_events"
SEND_NOTIFICATION = "send_notification"
ORDER_LABS = "order_labs"
BOOK_APPOINTMENT = "book_appointment"
CANCEL_APPOINTMENTS = "cancel_appointments"
RESERVE_MANUFACTURING_SLOT = "reserve_manufacturing_slot"
RELEASE_MANUFACTURING_SLOT = "release_manufacturing_slot"
RECORD_REFUSED_SIGNAL = "record_refused_signal"
REPORT_DLT_OUTCOME = "report_dlt_outcome"
REPORT_SAE_CLOCK = "report_sae_clock"

ALL = (
    APPEND_EVENTS,
    SEND_NOTIFICATION,
    ORDER_LABS,
    BOOK_APPOINTMENT,
    CANCEL_APPOINTMENTS,
    RESERVE_MANUFACTURING_SLOT,
    RELEASE_MANUFACTURING_SLOT,
    RECORD_REFUSED_SIGNAL,
    REPORT_DLT_OUTCOME,
    REPORT_SAE_CLOCK,
)

# Application error types that retrying cannot fix. A request a service refuses is escalated
# to staff; an event the store refuses fails the workflow task, so the journey stops visibly
# rather than skipping an audit record.
NO_CAPACITY = "NoCapacity"
EXTERNAL_SERVICE_REJECTED = "ExternalServiceRejected"
# A request reused an idempotency key with other content: a bug, never retried, never a refusal
# staff could work around, so the journey's task fails visibly.
IDEMPOTENCY_CONFLICT = "IdempotencyConflict"
EVENT_SEQUENCE_CONFLICT = "EventSequenceConflict"
INVALID_EVENT = "InvalidEvent"
# PostgreSQL refused one event of a batch as invalid data (a NUL, an untranslatable character,
# a value out of range, a check or key violation); details: the event's sequence and SQLSTATE.
EVENT_REJECTED_BY_STORE = "EventRejectedByStore"
NON_RETRYABLE_ERROR_TYPES = (
    NO_CAPACITY,
    EXTERNAL_SERVICE_REJECTED,
    EVENT_SEQUENCE_CONFLICT,
    INVALID_EVENT,
    EVENT_REJECTED_BY_STORE,
    IDEMPOTENCY_CONFLICT,
)
SERVICE_REFUSALS = (NO_CAPACITY, EXTERNAL_SERVICE_REJECTED)
