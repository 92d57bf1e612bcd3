"""`python -m benchmarks`: load scenarios against gunicorn + PostgreSQL + Redis, with wrk."""
