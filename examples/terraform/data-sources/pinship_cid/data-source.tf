# The CID of a folder, computed locally without uploading (like archive_file): wire it into DNSLink records or
# other providers.
data "pinship_cid" "site" {
  source = "${path.module}/public"
}

output "dnslink" {
  value = provider::pinship::dnslink(data.pinship_cid.site.cid)
}
