-- The bridge's channel store ("Neon" in production) lives in its own database next to Odoo's.
CREATE DATABASE neon;
\connect neon
CREATE EXTENSION IF NOT EXISTS vector;
