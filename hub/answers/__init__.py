"""Canned answers: prepared replies per category and language, with placeholders."""
