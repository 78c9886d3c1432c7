metadata({
  name = "libgreet",
  repo = "core",
  versions = { stable = "1.2.0", beta = "2.0.0-beta.1" },
  version = ZOI.VERSION or "1.2.0",
  description = "Greeting phrases shared by the example programs",
  license = "MIT",
  maintainer = { name = "zoi examples", email = "examples@example.invalid" },
  types = { "pre-compiled" },
  platforms = { "all" },
  tags = { "demo", "library" },
})

dependencies({})

function package()
  zcp("${pkgluadir}/greetings.txt", "${pkgstore}/share/libgreet/greetings.txt")
end
