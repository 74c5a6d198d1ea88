"""The customer's app (PWA) served by the bridge at ``/app/`` (docs/pwa.md)."""
