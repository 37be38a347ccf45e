"""Photos in a ticket's conversation: cleaned (photos.py), stored and served (service.py)."""
