"""The booking domain: models, the therapist catalog, validation, prefill, errors, ports.

The lowest room of the house: it imports nothing else of ``app``. Everything above it
(persistence, drafts, outbox, checkout, ui, browser) may import from here.
"""
