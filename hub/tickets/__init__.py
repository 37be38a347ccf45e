"""Tickets: the SOS a customer sends, its conversation, notes and history."""
