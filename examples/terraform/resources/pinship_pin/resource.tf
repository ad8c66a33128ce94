# Pin content by CID on a second service, e.g. the site deployed with pinship_content.
resource "pinship_pin" "mirror" {
  provider = pinship.pinata
  cid      = pinship_content.site.cid
  name     = "my-site (mirror)"
  meta     = { env = "production" }
}
