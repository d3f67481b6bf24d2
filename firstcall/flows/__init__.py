"""Journeys that compose several apps' services, one short module per journey, read top to bottom."""
