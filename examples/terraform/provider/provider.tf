terraform {
  required_providers {
    pinship = {
      source  = "pinship/pinship"
      version = "~> 0.1"
    }
  }
}

# The embedded service (`pinship serve`): uploads and pins (its Pinning Service API face).
# The token comes from PINSHIP_TOKEN (or PINSHIP_LOCAL_TOKEN) when not set here.
provider "pinship" {
  service  = "local"
  endpoint = "http://127.0.0.1:8787"
  timeout  = "10m"
}

# A second service: one provider block per service, told apart with alias.
provider "pinship" {
  alias    = "pinata"
  service  = "psa"
  endpoint = "https://api.pinata.cloud/psa"
  # token from PINSHIP_PSA_TOKEN
}
