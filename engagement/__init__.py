"""Engagement: daily check-in, share rewards, referrals and activity tasks."""
