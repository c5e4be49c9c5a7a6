"""Activity names, shared by the workflow, the worker and tests that mock activities by name."""

APPEND_EVENTS = "append_events"
SEND_NOTIFICATION = "send_notification"
ORDER_LABS = "order_labs"
BOOK_APPOINTMENT = "book_appointment"
CANCEL_APPOINTMENTS = "cancel_appointments"

ALL = (APPEND_EVENTS, SEND_NOTIFICATION, ORDER_LABS, BOOK_APPOINTMENT, CANCEL_APPOINTMENTS)

# Application error types that retrying cannot fix; the workflow escalates to staff instead.
NO_CAPACITY = "NoCapacity"
EXTERNAL_SERVICE_REJECTED = "ExternalServiceRejected"
NON_RETRYABLE_ERROR_TYPES = (NO_CAPACITY, EXTERNAL_SERVICE_REJECTED)
