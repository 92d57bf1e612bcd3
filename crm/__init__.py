"""Knowing members: tags, RFM, segments, messages, import, webhooks."""
