"""Watching it run: status and timing as pandas tables, the live feed (Redis pub/sub, the database fills
gaps), the dashboard's model, waiting for documents, notifications and plots.

Layer 6 of 7: reads what the layers below wrote; starts nothing.
"""
