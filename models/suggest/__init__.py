"""智能分哨: suggestions for incoming messages (the category text classifier is suggest.classifier)."""
