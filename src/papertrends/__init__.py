"""papertrends: topics and trends over saved Hugging Face Daily Papers digests."""

__version__ = "0.1.0"
