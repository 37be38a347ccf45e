"""Surveys beyond the thread: a business's own questions, the standalone survey behind a
point's QR or a kiosk, and the invitation sent after resolution (see docs/architecture.md)."""
