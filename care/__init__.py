"""Clinic care: treatment packages, advisors and follow-up visits."""
