"""xl-milestones: contract milestone status, payment due and sign-off readiness for Excel."""

__version__ = "0.1.0"
