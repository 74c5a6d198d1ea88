"""Event feed and webhook delivery (Standard Webhooks) to Make/n8n. See docs/events.md."""
