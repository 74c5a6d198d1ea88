"""WhatsApp channel (Twilio): webhook intake, conversation, media queue, outbound messages."""
