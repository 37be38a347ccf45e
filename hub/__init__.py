"""SOS hub: a real-time customer-feedback hub (QR access points, kiosks, live staff console)."""

__version__ = "0.1.0"
