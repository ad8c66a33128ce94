# A complete configuration: a static site stored and pinned on `pinship serve`, pinned again by CID, with the
# provider functions used in outputs. Run `pinship serve` first, then:
#   PINSHIP_TOKEN=<token> terraform apply -var endpoint=http://127.0.0.1:8787
terraform {
  required_version = ">= 1.8"
  required_providers {
    pinship = {
      source  = "pinship/pinship"
      version = "~> 0.1"
    }
  }
}

variable "endpoint" {
  description = "URL of a running pinship serve."
  type        = string
  default     = "http://127.0.0.1:8787"
}

variable "site_dir" {
  description = "The folder to deploy."
  type        = string
  default     = "../../site"
}

variable "pin_name" {
  description = "Name of the extra pin."
  type        = string
  default     = "site mirror"
}

provider "pinship" {
  service  = "local"
  endpoint = var.endpoint
}

resource "pinship_content" "site" {
  source = var.site_dir
  name   = "example-site"
}

resource "pinship_pin" "mirror" {
  cid  = pinship_content.site.cid
  name = var.pin_name
  meta = { from = "examples/terraform/site" }
}

data "pinship_cid" "site" {
  source = var.site_dir
}

output "cid" {
  value = pinship_content.site.cid
}

output "url" {
  value = pinship_content.site.url
}

output "pin_status" {
  value = pinship_pin.mirror.status
}

output "cid_v1" {
  value = provider::pinship::cid_v1(data.pinship_cid.site.cid)
}

output "gateway_url" {
  value = provider::pinship::gateway_url(pinship_content.site.cid, "https://dweb.link")
}

output "dnslink" {
  value = provider::pinship::dnslink(pinship_content.site.cid)
}
