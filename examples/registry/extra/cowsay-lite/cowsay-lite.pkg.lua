local bin = "cowsay-lite"
if SYSTEM.OS == "windows" then
  bin = "cowsay-lite.cmd"
end

metadata({
  name = "cowsay-lite",
  repo = "extra",
  version = "0.3.1",
  description = "A cow that says what you tell it",
  license = "GPL-3.0-or-later",
  maintainer = { name = "zoi examples", email = "examples@example.invalid" },
  bins = { bin },
  types = { "pre-compiled" },
  platforms = { "all" },
  tags = { "demo", "fun" },
})

dependencies({
  runtime = { "zoi:hello", "native:perl:optional, for the real cowsay" },
})

function package()
  zcp("${pkgluadir}/cowsay-lite.sh", "${pkgstore}/bin/" .. bin)
  zchmod("${pkgstore}/bin/" .. bin, "755")
end
