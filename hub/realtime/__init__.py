"""Realtime: the socket.io server, its namespaces, the publisher and event replay."""
