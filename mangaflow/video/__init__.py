"""Video: trends turned into narrated videos published to YouTube."""
