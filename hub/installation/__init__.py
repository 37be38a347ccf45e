"""The installation itself: its operators, and the businesses they look after."""
