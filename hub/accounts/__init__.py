"""Tenants, staff users, establishments, departments, access points, kiosks and logos.

Also staff access: sessions, passwords and API tokens (`access`, `passwords`), and who a
request or socket is (`staff_auth`).
"""
