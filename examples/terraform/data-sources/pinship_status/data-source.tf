# Pin and Filecoin deal state of a CID on the configured service.
data "pinship_status" "site" {
  cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
}

output "site_status" {
  value = data.pinship_status.site.status
}
