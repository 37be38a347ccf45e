"""Tenants, staff users, establishments, departments and access points."""
