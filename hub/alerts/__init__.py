"""Alerts managers act on: threshold alerts (a burst of SOS) and detractor alerts."""
