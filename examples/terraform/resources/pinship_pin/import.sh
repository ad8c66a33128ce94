# Adopt an existing pin by its Pinning Service API request id.
terraform import pinship_pin.mirror 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
