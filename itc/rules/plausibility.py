"""Limits of what is possible, not protocol choices: a value outside them is a typing error
(a year keyed wrong, a number in the wrong box), so it is refused at entry. The protocol's
own thresholds (the 20-70 age criterion, say) live in `config.ProtocolConfig` and are
judged later, by screening, where a failure is a clinical finding."""

from __future__ import annotations

# The trial was registered in 2020 (IRCT20200429047241N1); no one consented to it earlier.
TRIAL_REGISTRATION_YEAR = 2020

# Ages a living person can have at consent; the protocol's eligibility range lies inside.
MIN_AGE_AT_CONSENT_YEARS = 0
MAX_AGE_AT_CONSENT_YEARS = 120
