-- A pre-built package whose archive is made with `zoi package build`.
local version = ZOI.VERSION or "1.0.0"

metadata({
  name = "hello",
  repo = "core",
  version = version,
  description = "Prints a friendly greeting",
  website = "https://example.invalid/hello",
  license = "MIT",
  maintainer = { name = "zoi examples", email = "examples@example.invalid" },
  bins = { "hello" },
  types = { "pre-compiled" },
  platforms = { "linux", "macos", "freebsd" },
  tags = { "demo", "greeting" },
})

dependencies({
  runtime = { "zoi:libgreet@^1" },
})

function package()
  zcp("${pkgluadir}/hello.sh", "${pkgstore}/bin/hello")
  zchmod("${pkgstore}/bin/hello", "755")
end

function verify()
  return true
end
