"""Staff accounts, WeChat member login, JWTs and the guards on every endpoint."""
