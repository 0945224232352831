#!/usr/bin/env python3
"""Writes the two metadata-only stand-in packages of this folder (see README.md)."""
import pathlib
import zipfile

HERE = pathlib.Path(__file__).parent
PACKAGES = {
    ("Patched.DistributedLock.Postgres", "1.3.3"):
        '<dependencies><group targetFramework="netstandard2.1">'
        '<dependency id="DistributedLock.Postgres" version="1.3.1" /></group></dependencies>',
    ("IdentityModel", "6.2.0"): '<dependencies><group targetFramework="net8.0" /></dependencies>',
}
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="nuspec" ContentType="application/octet" />'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /></Types>'
)

for (pid, ver), deps in PACKAGES.items():
    nuspec = f'''<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>{pid}</id>
    <version>{ver}</version>
    <authors>ContractTherapy</authors>
    <description>Metadata-only stand-in; see ops/nuget/README.md.</description>
    {deps}
  </metadata>
</package>'''
    with zipfile.ZipFile(HERE / f"{pid.lower()}.{ver}.nupkg", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{pid}.nuspec", nuspec)
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
