-- A system-scope package: its files go to the root filesystem (data/usrroot), so it installs
-- with --root or --scope system, never into a user's home.
metadata({
  name = "base",
  repo = "core",
  version = "2026.11",
  description = "The minimal base of an example system: /etc/os-release",
  license = "CC0-1.0",
  maintainer = { name = "zoi examples", email = "examples@example.invalid" },
  types = { "pre-compiled" },
  platforms = { "all" },
  tags = { "demo", "system" },
  backup = { "${usrroot}/etc/os-release" },
})

dependencies({})

function package()
  zcp("${pkgluadir}/os-release", "${usrroot}/etc/os-release")
end
