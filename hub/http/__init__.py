"""What every public HTTP door needs: the client's real address, and the rate limits."""
