# The built site: its CID is computed during plan, before anything is uploaded.
resource "pinship_content" "site" {
  source   = "${path.module}/public"
  name     = "my-site"
  exclude  = ["**/*.map", ".DS_Store"]
  wait_for = "pinned"

  timeouts {
    create = "15m"
  }
}

output "site_cid" {
  value = pinship_content.site.cid
}

output "site_url" {
  value = pinship_content.site.url
}
