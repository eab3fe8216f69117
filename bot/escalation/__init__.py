"""Escalation: cases, routing to legal-service providers, RQ queues and jobs, the way back."""
