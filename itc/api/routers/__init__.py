"""The JSON API under /api, one router per concern: starting journeys, recording staff
actions, and reading journeys."""
