"""What is printed: labels, certificates, reports. Pure: data in, bytes out. Empty so far."""
