"""The participant journey's protocol logic, free of Temporal.

Each module owns one concern (screening, baseline, biopsy and manufacturing,
infusion, safety, response, follow-up, endings). Its functions take the journey
state, the facts and a `Moment` (the time and identity the workflow passes in),
change the state, and return an `Outcome`: the events recorded, the commands for
the outside world, and where relevant the next deadline to wait for. The workflow
in `workflows/journey.py` is the shell that turns those into activities and waits.
"""
