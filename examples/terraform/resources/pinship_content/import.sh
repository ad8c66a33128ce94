# Adopt content already stored on the service by its root CID. The next plan is empty when the configured source
# packs to that CID.
terraform import pinship_content.site bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi
