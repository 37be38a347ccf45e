"""Delivery: the outbox, its transports (SMTP, Vonage SMS), routing jobs and escalation."""
