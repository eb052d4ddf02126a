"""Web Push switches (issue 18): whether this device is notified, for the therapist or the customer."""
